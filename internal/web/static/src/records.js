// records.js — record pages: the timeline's composer, mentions and following.

// The composer's tabs switch in place; without this script each tab is a
// link to the page with that tab open. Arrow keys move between tabs, as
// in any tab list; every tab stays in the Tab order as well, so that the
// links work by keyboard without the script.
function showTab(tab) {
  const list = tab.closest('[role="tablist"]');
  const composer = tab.closest("[data-composer]");
  for (const t of list.querySelectorAll('[role="tab"]')) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    const panel = composer.querySelector("#" + t.getAttribute("aria-controls"));
    if (panel) {
      panel.hidden = !on;
    }
  }
}

document.addEventListener("click", (event) => {
  const tab = event.target.closest("[data-composer] [role='tab']");
  if (tab) {
    event.preventDefault();
    showTab(tab);
  }
});

document.addEventListener("keydown", (event) => {
  const tab = event.target.closest("[data-composer] [role='tab']");
  if (!tab || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) {
    return;
  }
  const tabs = [...tab.parentElement.querySelectorAll('[role="tab"]')];
  let i = tabs.indexOf(tab);
  if (event.key === "ArrowRight") i = (i + 1) % tabs.length;
  if (event.key === "ArrowLeft") i = (i - 1 + tabs.length) % tabs.length;
  if (event.key === "Home") i = 0;
  if (event.key === "End") i = tabs.length - 1;
  event.preventDefault();
  showTab(tabs[i]);
  tabs[i].focus();
});

// A composer refused with errors answers 422 with itself, errors beside
// the inputs: swap it in like a success.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 422 && event.detail.elt.closest("[data-composer]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// The follow button keeps the focus when htmx swaps it for its new state.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.elt.classList && event.detail.elt.classList.contains("follow")) {
    const button = document.querySelector(".follow button");
    if (button) {
      button.focus();
    }
  }
});

// After the composer comes back, the focus goes to the first input in
// error, or else to the first input of the open tab, ready for more.
document.addEventListener("htmx:afterSwap", (event) => {
  const composer = document.getElementById("composer");
  if (!composer || !composer.contains(event.detail.elt) && event.detail.elt !== composer) {
    return;
  }
  const bad = composer.querySelector('[aria-invalid="true"]');
  const panel = composer.querySelector('[role="tabpanel"]:not([hidden])');
  const first = bad || (panel && panel.querySelector("textarea, input:not([type=hidden]), select"));
  if (first) {
    first.focus();
  }
});

// The mention picker: typing @ and a few letters in a note offers the
// colleagues whose name matches, fetched from the server; the arrow keys
// move through them, Enter or Tab picks one, Escape closes the list. A
// pick writes @Name into the note and remembers the colleague in a hidden
// input, from which the server makes the mention.
const mentionQuery = /(?:^|\s)@([^\s@]{0,40})$/u;
let mentionSeq = 0;

function picker(box) {
  return document.getElementById(box.getAttribute("aria-controls"));
}

function mentionOptions(list) {
  return [...list.querySelectorAll('[role="option"]:not([aria-disabled="true"])')];
}

function chooseMention(box, i) {
  const list = picker(box);
  const all = mentionOptions(list);
  all.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
  list.dataset.chosen = String(i);
  if (all[i]) {
    box.setAttribute("aria-activedescendant", all[i].id);
    all[i].scrollIntoView({ block: "nearest" });
  } else {
    box.removeAttribute("aria-activedescendant");
  }
}

function closeMentions(box) {
  const list = picker(box);
  list.hidden = true;
  list.replaceChildren();
  box.setAttribute("aria-expanded", "false");
  box.removeAttribute("aria-activedescendant");
}

function pickMention(box, option) {
  const before = box.value.slice(0, box.selectionStart);
  const after = box.value.slice(box.selectionStart);
  const m = before.match(mentionQuery);
  if (!m) {
    return;
  }
  const start = before.length - m[1].length - 1;
  const text = "@" + option.dataset.name + " ";
  box.value = before.slice(0, start) + text + after;
  box.selectionStart = box.selectionEnd = start + text.length;
  const form = box.form;
  if (!form.querySelector(`input[name="mention"][value="${CSS.escape(option.dataset.id)}"]`)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "mention";
    input.value = option.dataset.id;
    form.appendChild(input);
  }
  closeMentions(box);
}

document.addEventListener("input", async (event) => {
  const box = event.target;
  if (!(box instanceof HTMLTextAreaElement) || !box.dataset.mentions) {
    return;
  }
  const m = box.value.slice(0, box.selectionStart).match(mentionQuery);
  if (!m) {
    closeMentions(box);
    return;
  }
  const seq = ++mentionSeq;
  const res = await fetch(box.dataset.mentions + "?q=" + encodeURIComponent(m[1]), {
    headers: { "HX-Request": "true" },
    credentials: "same-origin",
  });
  if (!res.ok || seq !== mentionSeq) {
    return;
  }
  const list = picker(box);
  // The server's answer, whose names it has escaped.
  list.innerHTML = await res.text();
  list.hidden = false;
  box.setAttribute("aria-expanded", "true");
  chooseMention(box, mentionOptions(list).length > 0 ? 0 : -1);
});

document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLTextAreaElement) || !box.dataset.mentions) {
    return;
  }
  const list = picker(box);
  if (list.hidden) {
    return;
  }
  const all = mentionOptions(list);
  const chosen = Number(list.dataset.chosen ?? -1);
  switch (event.key) {
    case "ArrowDown":
    case "ArrowUp":
      if (all.length === 0) {
        return;
      }
      event.preventDefault();
      chooseMention(box, event.key === "ArrowDown" ? (chosen + 1) % all.length : (chosen <= 0 ? all.length : chosen) - 1);
      break;
    case "Enter":
    case "Tab":
      if (all[chosen]) {
        event.preventDefault();
        pickMention(box, all[chosen]);
      }
      break;
    case "Escape":
      event.preventDefault();
      closeMentions(box);
      break;
  }
});

// A click on an option picks it; pressing the mouse keeps the focus in
// the note.
document.addEventListener("mousedown", (event) => {
  const option = event.target.closest(".mention-list [role='option']:not([aria-disabled='true'])");
  if (!option) {
    return;
  }
  event.preventDefault();
  const box = document.querySelector(`[aria-controls="${option.parentElement.id}"]`);
  if (box) {
    pickMention(box, option);
  }
});

document.addEventListener("focusout", (event) => {
  const box = event.target;
  if (box instanceof HTMLTextAreaElement && box.dataset.mentions) {
    closeMentions(box);
  }
});
