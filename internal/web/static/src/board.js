// board.js — the pipeline board: dragging cards between stages with mouse, touch and keyboard.
//
// Native pointer events and a keyboard mode, no library (see
// docs/decisions/0019-board-dragging.md). A card moves at once; the server
// saves the move through the records engine and answers with the card and
// the columns' headings redrawn, with a small form when the move lacks a
// field (a stage's gate, the reason a deal was lost), or with the reason
// it refused, when the card goes back.
const board = document.querySelector("[data-board]");
if (board) {
  setUpBoard(board);
}

function setUpBoard(board) {
  const status = document.querySelector("[data-board-status]");
  const refusal = document.querySelector("[data-board-refusal]");
  const words = board.dataset;
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const say = (text) => {
    status.textContent = text;
  };
  const targets = () => [...board.querySelectorAll("[data-drop]")];
  const titleOf = (card) => card.querySelector(".deal-title").textContent.trim();
  const fragment = (html) => {
    const t = document.createElement("template");
    t.innerHTML = html;
    return t.content;
  };

  // drag is the move under way: the card, where it came from, the drop
  // target it is over, and whether the keyboard moves it.
  let drag = null;
  let pressed = null; // a pointer down on a card that has not moved far enough to drag yet
  let justDragged = false;

  function lift(card, keyboard) {
    drag = { card, from: card.parentElement, next: card.nextElementSibling, over: null, keyboard, ghost: null };
    card.classList.add("lifted");
    board.classList.add("dragging");
    refusal.hidden = true;
  }

  function hover(target) {
    if (drag.over === target) {
      return;
    }
    drag.over?.classList.remove("over");
    drag.over = target;
    if (target) {
      target.classList.add("over");
      if (drag.keyboard) {
        say(fill(words.sayOver, { stage: target.dataset.dropName }));
        target.scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    }
  }

  function end() {
    const d = drag;
    d.card.classList.remove("lifted");
    d.over?.classList.remove("over");
    d.ghost?.remove();
    board.classList.remove("dragging");
    drag = null;
    return d;
  }

  function putBack(d) {
    d.card.classList.remove("leaving");
    const next = d.next && d.next.parentElement === d.from ? d.next : null;
    d.from.insertBefore(d.card, next);
    if (d.keyboard) {
      d.card.focus();
    }
  }

  function cancel() {
    putBack(end());
    say(words.sayCancelled);
  }

  function drop() {
    const d = end();
    const target = d.over;
    if (!target || target === d.from) {
      putBack(d);
      say(words.sayCancelled);
      return;
    }
    const to = target.dataset.drop;
    if (to === "won" || to === "lost") {
      d.card.classList.add("leaving");
    } else {
      target.prepend(d.card);
      if (d.keyboard) {
        d.card.focus();
      }
    }
    d.to = to;
    d.toName = target.dataset.dropName;
    save(d, new FormData());
  }

  async function save(d, form) {
    const filter = new URLSearchParams(board.dataset.query);
    for (const [k, v] of filter) {
      form.set(k, v);
    }
    form.set("to", d.to);
    form.set("version", d.card.dataset.version);
    const meta = document.querySelector('meta[name="csrf-token"]');
    let res, html;
    try {
      res = await fetch(`/board/deals/${encodeURIComponent(d.card.dataset.deal)}/move`, {
        method: "POST",
        headers: { "X-CSRF-Token": meta ? meta.content : "", "HX-Request": "true" },
        body: new URLSearchParams(form),
        credentials: "same-origin",
      });
      html = await res.text();
    } catch {
      refuse(d, "");
      return;
    }
    const away = res.headers.get("HX-Redirect");
    if (away) {
      location.href = away; // the session ended: sign in, and come back
    } else if (res.ok) {
      moved(d, html);
    } else if (res.status === 422 && html.includes("<dialog")) {
      ask(d, html);
    } else {
      refuse(d, html);
    }
  }

  function moved(d, html) {
    const answer = fragment(html);
    for (const head of answer.querySelectorAll(".col-head")) {
      document.getElementById(head.id)?.replaceWith(head);
    }
    const card = answer.querySelector("[data-card] > .deal");
    if (card) {
      d.card.replaceWith(card);
      if (d.keyboard) {
        card.focus();
      }
    } else {
      // Won or lost: the card leaves the board, and the keyboard's focus
      // goes to the card that followed it, or to the column's first.
      const next = d.keyboard && (d.card.nextElementSibling?.matches(".deal") ? d.card.nextElementSibling : d.from.querySelector(".deal:not(.leaving)"));
      d.card.remove();
      next?.focus();
    }
    say(fill(words.sayMoved, { deal: titleOf(card || d.card), stage: d.toName }));
  }

  // ask shows the server's form for what the move lacks; saving it
  // tries the move again with the fields, cancelling puts the card back.
  function ask(d, html) {
    const dialog = fragment(html).querySelector("dialog");
    document.body.append(dialog);
    const form = dialog.querySelector("form");
    let sent = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      sent = true;
      const data = new FormData(form);
      dialog.close();
      save(d, data);
    });
    dialog.querySelector("[data-ask-cancel]").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (!sent) {
        putBack(d);
        say(words.sayCancelled);
      }
    });
    dialog.showModal();
  }

  function refuse(d, html) {
    putBack(d);
    refusal.textContent = fragment(html).textContent.trim() || words.sayFailed;
    refusal.hidden = false;
  }

  // The mouse drags a card once it has moved a few pixels; a finger
  // after holding it still for a moment, so that a swipe still scrolls
  // the board.
  board.addEventListener("pointerdown", (event) => {
    const card = event.target.closest(".deal");
    if (!card || drag || event.button !== 0) {
      return;
    }
    pressed = { card, x: event.clientX, y: event.clientY, touch: event.pointerType !== "mouse" };
    if (pressed.touch) {
      const p = pressed;
      p.timer = setTimeout(() => pressed === p && begin(p, p.x, p.y), 350);
    }
  });

  function begin(p, x, y) {
    pressed = null;
    lift(p.card, false);
    const rect = p.card.getBoundingClientRect();
    const ghost = p.card.cloneNode(true);
    ghost.removeAttribute("id");
    ghost.classList.add("ghost");
    ghost.setAttribute("aria-hidden", "true");
    ghost.style.width = rect.width + "px";
    drag.ghost = ghost;
    drag.dx = x - rect.left;
    drag.dy = y - rect.top;
    document.body.append(ghost);
    follow(x, y);
  }

  function follow(x, y) {
    drag.ghost.style.transform = `translate(${x - drag.dx}px, ${y - drag.dy}px)`;
    const under = document.elementFromPoint(x, y);
    hover(under ? under.closest("[data-drop]") : null);
  }

  document.addEventListener("pointermove", (event) => {
    if (pressed && !drag) {
      const far = Math.hypot(event.clientX - pressed.x, event.clientY - pressed.y);
      if (pressed.touch && far > 10) {
        clearTimeout(pressed.timer); // a swipe: the board scrolls
        pressed = null;
      } else if (!pressed.touch && far > 5) {
        begin(pressed, event.clientX, event.clientY);
      }
    }
    if (drag && !drag.keyboard) {
      follow(event.clientX, event.clientY);
    }
  });

  document.addEventListener("pointerup", () => {
    if (pressed) {
      clearTimeout(pressed.timer);
      pressed = null;
    }
    if (drag && !drag.keyboard) {
      justDragged = true;
      setTimeout(() => (justDragged = false), 0);
      drop();
    }
  });

  document.addEventListener("pointercancel", () => {
    if (drag && !drag.keyboard) {
      cancel();
    }
  });

  // While a finger drags a card the page must not scroll under it.
  document.addEventListener(
    "touchmove",
    (event) => {
      if (drag && !drag.keyboard) {
        event.preventDefault();
      }
    },
    { passive: false },
  );

  // A drag that ends over the card's title is no click on it, and the
  // browser's own dragging of links and text stays out of the way.
  board.addEventListener("click", (event) => justDragged && event.preventDefault(), true);
  board.addEventListener("dragstart", (event) => event.preventDefault());

  board.addEventListener("keydown", (event) => {
    if (!drag) {
      const card = event.target;
      if (event.key === " " && card instanceof HTMLElement && card.matches(".deal")) {
        event.preventDefault();
        lift(card, true);
        hover(drag.from);
        say(fill(words.sayLifted, { deal: titleOf(card) }));
      }
      return;
    }
    if (!drag.keyboard) {
      return;
    }
    const all = targets();
    const i = all.indexOf(drag.over);
    switch (event.key) {
      case "ArrowRight":
      case "ArrowDown":
        event.preventDefault();
        hover(all[(i + 1) % all.length]);
        break;
      case "ArrowLeft":
      case "ArrowUp":
        event.preventDefault();
        hover(all[(i - 1 + all.length) % all.length]);
        break;
      case " ":
      case "Enter":
        event.preventDefault();
        drop();
        break;
      case "Escape":
      case "Tab":
        if (event.key === "Escape") {
          event.preventDefault();
        }
        cancel();
        break;
    }
  });
}
