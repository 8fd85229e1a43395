// header.js — the header: the search box, the notification bell, quick
// add, the command menu and the shortcuts screen, and the keys that
// reach them. Every one of them is a link or a form without this script.
import htmx from "htmx.org";

const typing = (el) =>
  el instanceof HTMLElement && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

// listbox moves through the options of a combobox's listbox with the
// keys, the focus staying in the box: the option shown as chosen is the
// box's aria-activedescendant.
function listbox(box, list) {
  let chosen = -1;
  const options = () => [...list.querySelectorAll('[role="option"]:not([aria-disabled="true"])')];
  const choose = (i) => {
    const all = options();
    chosen = i;
    all.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
    if (all[i]) {
      box.setAttribute("aria-activedescendant", all[i].id);
      all[i].scrollIntoView({ block: "nearest" });
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  };
  const step = (down) => {
    const n = options().length;
    if (n > 0) {
      choose(down ? (chosen + 1) % n : (chosen <= 0 ? n : chosen) - 1);
    }
  };
  return { options, choose, step, current: () => options()[chosen] };
}

// The header's search box: htmx fills its listbox as the user types;
// the arrows choose a result, Enter opens it (or the page of all
// results), Escape closes the list.
const searchBox = document.getElementById("search-box");
const searchList = document.getElementById("search-results");
if (searchBox && searchList) {
  const lb = listbox(searchBox, searchList);
  const open = (yes) => {
    searchList.hidden = !yes;
    searchBox.setAttribute("aria-expanded", String(yes));
    lb.choose(-1);
  };
  // An answer that arrives after the box was emptied is not shown.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === searchList) {
      open(searchBox.value.trim() !== "" && searchList.children.length > 0);
    }
  });
  searchBox.addEventListener("input", () => {
    if (searchBox.value.trim() === "") {
      open(false);
    }
  });
  searchBox.addEventListener("keydown", (event) => {
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && lb.options().length > 0) {
      event.preventDefault();
      if (searchList.hidden) {
        open(true);
      }
      lb.step(event.key === "ArrowDown");
    } else if (event.key === "Escape" && !searchList.hidden) {
      event.preventDefault();
      open(false);
    }
  });
  searchBox.form.addEventListener("submit", (event) => {
    const option = searchList.hidden ? null : lb.current();
    if (option) {
      event.preventDefault();
      location.href = option.href;
    }
  });
  // The list closes when the focus leaves the search, not when it moves
  // to an option being clicked.
  searchBox.form.addEventListener("focusout", (event) => {
    if (!searchBox.form.contains(event.relatedTarget)) {
      open(false);
    }
  });
}

// post sends a form of one field with the session's token, as the
// command menu's actions (sign out, switch language) do.
function post(action, fields) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  const meta = document.querySelector('meta[name="csrf-token"]');
  const all = { csrf_token: meta ? meta.content : "", ...fields };
  for (const [name, value] of Object.entries(all)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

// The command menu: a dialog with one box whose listbox htmx fills with
// the commands and records that match. The first option is chosen as
// the results come, so Enter opens the best match.
const menu = document.getElementById("command-menu");
const menuBox = document.getElementById("command-box");
const menuList = document.getElementById("command-results");
const openMenu = () => {
  if (!menu || menu.open) {
    return;
  }
  closePopups();
  menu.showModal();
  menuBox.value = "";
  menuBox.focus();
  htmx.trigger(menuBox, "menu-open");
};
if (menu && menuBox && menuList) {
  const lb = listbox(menuBox, menuList);
  const activate = (option) => {
    if (option.dataset.post) {
      const fields = {};
      if (option.dataset.name) {
        fields[option.dataset.name] = option.dataset.value;
      }
      if (option.dataset.back) {
        fields.back = option.dataset.back;
      }
      post(option.dataset.post, fields);
    } else {
      location.href = option.href;
    }
  };
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === menuList) {
      lb.choose(lb.options().length > 0 ? 0 : -1);
    }
  });
  menuBox.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      lb.step(event.key === "ArrowDown");
    }
  });
  // Enter submits the box's form, which opens the chosen option, or
  // without one the page of the menu's results.
  menuBox.form.addEventListener("submit", (event) => {
    const option = lb.current();
    if (option) {
      event.preventDefault();
      activate(option);
    }
  });
  menuList.addEventListener("click", (event) => {
    const option = event.target.closest('[role="option"][data-post]');
    if (option) {
      event.preventDefault();
      activate(option);
    }
  });
}

// The shortcuts screen: "?" shows it in a dialog, as does its link.
const keysDialog = document.getElementById("shortcuts-dialog");
const openKeys = () => {
  if (keysDialog && !keysDialog.open) {
    closePopups();
    keysDialog.showModal();
  }
};
document.getElementById("shortcuts-open")?.addEventListener("click", (event) => {
  if (keysDialog) {
    event.preventDefault();
    openKeys();
  }
});
// A dialog closes from its close button, and from a click beside it.
for (const dialog of document.querySelectorAll("dialog.sheet")) {
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog || event.target.closest("[data-close]")) {
      dialog.close();
    }
  });
}

// The notification bell: a panel of the newest notifications on a wide
// screen (the page on a phone), and a stream that keeps its count and
// tells of each new one as it comes.
const bell = document.getElementById("bell");
const panel = document.getElementById("bell-panel");
const count = document.getElementById("bell-count");
const toasts = document.getElementById("toasts");
const narrow = window.matchMedia("(max-width: 760px)");

const showPanel = (yes) => {
  if (!bell || !panel) {
    return;
  }
  panel.hidden = !yes;
  if (bell.hasAttribute("aria-controls")) {
    bell.setAttribute("aria-expanded", String(yes));
  }
  if (yes) {
    htmx.ajax("GET", bell.dataset.panel, { target: panel, swap: "innerHTML" });
  }
};

// closePopups closes the bell's panel and quick add, before a dialog
// opens or when the user goes elsewhere.
function closePopups() {
  if (panel && !panel.hidden) {
    showPanel(false);
  }
  quickAdd?.removeAttribute("open");
}

if (bell && panel) {
  // The link opens the panel, which it controls, where the panel opens.
  const followNarrow = () => {
    if (narrow.matches) {
      bell.removeAttribute("aria-controls");
      bell.removeAttribute("aria-expanded");
    } else {
      bell.setAttribute("aria-controls", panel.id);
      bell.setAttribute("aria-expanded", String(!panel.hidden));
    }
  };
  followNarrow();
  narrow.addEventListener("change", followNarrow);
  bell.addEventListener("click", (event) => {
    if (narrow.matches) {
      return; // the page of notifications
    }
    event.preventDefault();
    showPanel(panel.hidden);
  });
  document.addEventListener("click", (event) => {
    if (!panel.hidden && !panel.contains(event.target) && !bell.contains(event.target)) {
      showPanel(false);
    }
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      showPanel(false);
      bell.focus();
    }
  });
}

// setCount shows the badge the server counted.
function setCount(badge) {
  if (!count || !badge) {
    return;
  }
  count.hidden = !badge.text;
  count.firstElementChild.textContent = badge.text;
  count.lastElementChild.textContent = badge.label;
}

// toast shows a new notification for a few seconds in the live region.
function toast(n) {
  if (!toasts) {
    return;
  }
  const item = document.createElement("div");
  item.className = "toast";
  const label = document.createElement("strong");
  label.textContent = n.label;
  item.append(label);
  if (n.about) {
    const about = document.createElement(n.href ? "a" : "span");
    about.textContent = n.about;
    if (n.href) {
      about.href = n.href;
    }
    item.append(" ", about);
  }
  toasts.append(item);
  setTimeout(() => item.remove(), 10000);
}

// A ringing call pops its caller screen: the page asks the caller screen
// (which looks the number up as this user, so it shows only what they
// may see) and shows its cards in a panel, until closed or replaced by
// the next call.
const callPop = document.getElementById("call-pop");
// Out of the sidebar's stacking context, so that it shows above the page.
if (callPop) {
  document.body.append(callPop);
}
async function popCall(n) {
  if (!callPop) {
    toast(n);
    return;
  }
  let body;
  try {
    const response = await fetch(n.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    body = page.querySelector("main .caller, main .empty");
  } catch {
    body = null;
  }
  callPop.querySelector("h2").textContent = n.label + " · " + n.about;
  const slot = callPop.querySelector(".call-pop-body");
  slot.replaceChildren(...(body ? [document.importNode(body, true)] : []));
  callPop.querySelector(".call-pop-open").href = n.href;
  callPop.hidden = false;
  callPop.dataset.number = n.about;
  callPop.querySelector(".call-pop-close").focus();
}
callPop?.querySelector(".call-pop-close").addEventListener("click", () => (callPop.hidden = true));
callPop?.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    callPop.hidden = true;
  }
});

if (bell && bell.dataset.stream && "EventSource" in window) {
  const stream = new EventSource(bell.dataset.stream);
  // The page says when its count is live, for people's tools and tests.
  stream.addEventListener("open", () => (bell.dataset.live = "true"));
  stream.addEventListener("error", () => delete bell.dataset.live);
  stream.addEventListener("unread", (event) => setCount(JSON.parse(event.data)));
  stream.addEventListener("notification", (event) => {
    const n = JSON.parse(event.data);
    setCount(n.unread);
    if (n.pop) {
      popCall(n);
    } else {
      toast(n);
    }
    // A request that arrived in the inbox reloads an open inbox's list.
    if (n.href && n.href.startsWith("/inbox")) {
      document.body.dispatchEvent(new CustomEvent("rapport-inbox"));
    }
    if (panel && !panel.hidden) {
      showPanel(true);
    }
  });
  // The page is going: close the stream at once rather than leave the
  // server holding it until the next heartbeat finds it gone.
  window.addEventListener("pagehide", () => stream.close());
}

// Quick add: a disclosure of the new-record forms.
const quickAdd = document.querySelector("details.quick-add");
quickAdd?.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && quickAdd.open) {
    quickAdd.removeAttribute("open");
    quickAdd.querySelector("summary").focus();
  }
});
document.addEventListener("click", (event) => {
  if (quickAdd?.open && !quickAdd.contains(event.target)) {
    quickAdd.removeAttribute("open");
  }
});

// The keys. Ctrl+K or Cmd+K opens the command menu anywhere; the others
// work where nothing is being typed: "/" the search box, "?" the
// shortcuts, "n" quick add and then c, o, d or t a new record's form,
// "g" and then a letter a page.
const sequences = {
  n: { c: "/contacts/new", o: "/companies/new", d: "/deals/new", t: "/tasks/new" },
  g: { h: "/", c: "/contacts", o: "/companies", d: "/deals", b: "/board", t: "/tasks", n: "/notifications" },
};
let pending = null;
let pendingTimer = 0;
document.addEventListener("keydown", (event) => {
  if (event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey) && !event.altKey) {
    event.preventDefault();
    openMenu();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) || document.querySelector("dialog[open]")) {
    return;
  }
  const key = event.key;
  if (key === "Escape") {
    closePopups();
    return;
  }
  if (pending) {
    const to = sequences[pending][key.toLowerCase()];
    pending = null;
    clearTimeout(pendingTimer);
    if (to) {
      event.preventDefault();
      location.href = to;
      return;
    }
  }
  if (key === "/" && searchBox) {
    event.preventDefault();
    searchBox.focus();
    searchBox.select();
  } else if (key === "?") {
    event.preventDefault();
    openKeys();
  } else if (key in sequences) {
    pending = key;
    pendingTimer = setTimeout(() => (pending = null), 1500);
    if (key === "n" && quickAdd) {
      quickAdd.open = true;
    }
  }
});
