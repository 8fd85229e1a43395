// Rapport's own script: htmx, plus the few lines that the pages need.
import htmx from "htmx.org";
// One module per part of the app, each in its own file.
import "./board.js";
import "./records.js";
import "./header.js";
import "./lists.js";
import "./settings.js";
import "./forms.js";
import "./people.js";

window.htmx = htmx;
document.documentElement.classList.add("js");

// Every htmx request carries the session's CSRF token, which the layout
// puts in a meta tag; plain forms carry it in a hidden field instead.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.content;
  }
});

// A picker marked data-autosubmit (the language) applies at once, so its
// button is only for browsers without this script.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});

// A password-reset link carries its token in the fragment, which browsers
// never send to a server (nor to its logs): copy it into the form, and
// take it out of the address bar and the history.
const resetToken = document.querySelector("input[data-reset-token]");
if (resetToken && location.hash.startsWith("#token=")) {
  resetToken.value = decodeURIComponent(location.hash.slice("#token=".length));
  history.replaceState(null, "", location.pathname);
}

// The header's search box is a combobox: htmx fills its listbox as the
// user types, and these lines open and close it and move through its
// options with the keys, the focus staying in the box (the option shown
// as chosen is its aria-activedescendant).
const searchBox = document.getElementById("search-box");
const searchList = document.getElementById("search-results");
if (searchBox && searchList) {
  let chosen = -1;
  const options = () => [...searchList.querySelectorAll('[role="option"]:not([aria-disabled="true"])')];
  const choose = (i) => {
    const all = options();
    chosen = i;
    all.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
    if (all[i]) {
      searchBox.setAttribute("aria-activedescendant", all[i].id);
      all[i].scrollIntoView({ block: "nearest" });
    } else {
      searchBox.removeAttribute("aria-activedescendant");
    }
  };
  const open = (yes) => {
    searchList.hidden = !yes;
    searchBox.setAttribute("aria-expanded", String(yes));
    choose(-1);
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
    const n = options().length;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (n === 0) {
          return;
        }
        event.preventDefault();
        if (searchList.hidden) {
          open(true);
        }
        choose(event.key === "ArrowDown" ? (chosen + 1) % n : (chosen <= 0 ? n : chosen) - 1);
        break;
      case "Escape":
        if (!searchList.hidden) {
          event.preventDefault();
          open(false);
        }
        break;
    }
  });
  // Enter submits the form, which opens the chosen option if there is
  // one, and the page of all results if not.
  searchBox.form.addEventListener("submit", (event) => {
    const option = searchList.hidden ? null : options()[chosen];
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
  // Ctrl+K or Cmd+K anywhere, and / where nothing is being typed, go to
  // the search box.
  const typing = (el) => el instanceof HTMLElement && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  document.addEventListener("keydown", (event) => {
    const k = event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey) && !event.altKey;
    const slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target);
    if (k || slash) {
      event.preventDefault();
      searchBox.focus();
      searchBox.select();
    }
  });
}
