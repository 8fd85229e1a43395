// lists.js — lists: the filter builder, saved views, chosen columns, inline edit and bulk actions.
import htmx from "htmx.org";
//
// The list works as plain forms and links without this script; these
// lines only save clicks: a changed field or operator redraws its row's
// value input at once, the box in the heading selects every row, the
// bulk form shows the one input its action needs, and Escape closes a
// cell's editor.

// Changing a condition's field or operator draws the row again with the
// operators and the value input for it: the builder's form is applied
// (htmx swaps the list's body), and incomplete rows filter nothing.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-rebuild") && el.form) {
    el.form.requestSubmit();
  }
});

// The heading's box selects or clears every row of the page.
document.addEventListener("change", (event) => {
  const all = event.target;
  if (!(all instanceof HTMLInputElement) || !all.hasAttribute("data-pick-all")) {
    return;
  }
  document.querySelectorAll('input[name="pick"][form="bulk-form"]').forEach((box) => {
    box.checked = all.checked;
  });
});

// The bulk form shows only the input of the chosen action.
const showBulkArgs = (root) => {
  root.querySelectorAll("select[data-bulk-action]").forEach((action) => {
    action.form.querySelectorAll(".bulk-arg").forEach((arg) => {
      arg.hidden = arg.dataset.for !== action.value;
    });
  });
};
document.addEventListener("change", (event) => {
  if (event.target instanceof HTMLSelectElement && event.target.hasAttribute("data-bulk-action")) {
    showBulkArgs(event.target.form);
  }
});
showBulkArgs(document);
document.addEventListener("htmx:afterSwap", (event) => showBulkArgs(event.detail.target.parentNode || document));

// A cell's button opens its editor in place; the editor saves with Enter,
// and its Cancel (or Escape) puts the value back without saving. All are
// asked for here rather than with hx- attributes, so that a key pressed
// the moment a cell was drawn, before htmx would have taken it in, still
// works (and never submits the editor as a plain form).
const swapCell = (el, address) => {
  htmx.ajax("GET", address, { target: el.closest("td"), swap: "innerHTML" });
};
document.addEventListener("click", (event) => {
  const el = event.target instanceof Element ? event.target.closest("[data-cell], [data-cell-cancel]") : null;
  if (el) {
    swapCell(el, el.dataset.cell || el.dataset.cellCancel);
  }
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.cellSave) {
    event.preventDefault();
    htmx.ajax("POST", form.dataset.cellSave, { source: form, target: form.closest("td"), swap: "innerHTML" });
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") {
    return;
  }
  const form = event.target instanceof Element ? event.target.closest(".cell-form") : null;
  const cancel = form && form.querySelector("[data-cell-cancel]");
  if (cancel) {
    event.preventDefault();
    swapCell(cancel, cancel.dataset.cellCancel);
  }
});
// After either, the focus goes to the editor, or back to the cell, so
// the keyboard carries on from where it was.
document.addEventListener("htmx:afterSwap", (event) => {
  const cell = event.detail.target;
  if (cell instanceof HTMLTableCellElement && cell.classList.contains("cell")) {
    const editor = cell.querySelector(".cell-form input:not([type=hidden]), .cell-form select");
    const button = cell.querySelector(".cell-edit");
    (editor || button)?.focus();
  }
});
