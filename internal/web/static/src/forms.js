// forms.js — forms of deals, tasks and products: line items and the merge screen.
//
// A picker is a combobox: htmx fills its listbox with the records that
// match what is typed (GET /pick/{object}); these lines open and close
// the list, move through it with the arrow keys (the focus stays in the
// box, the option shown as chosen is its aria-activedescendant), and on
// Enter or a click put the chosen record's id in the picker's hidden
// input. A picker of several records adds a removable chip per record.

const pickerOf = (el) => el instanceof Element ? el.closest("[data-picker]") : null;
const boxOf = (picker) => picker.querySelector('[role="combobox"]');
const listOf = (picker) => picker.querySelector('[role="listbox"]');
const optionsOf = (picker) => [...listOf(picker).querySelectorAll('[role="option"]:not([aria-disabled="true"])')];

function highlight(picker, i) {
  const box = boxOf(picker);
  const all = optionsOf(picker);
  picker.dataset.chosen = String(i);
  all.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
  if (all[i]) {
    box.setAttribute("aria-activedescendant", all[i].id);
    all[i].scrollIntoView({ block: "nearest" });
  } else {
    box.removeAttribute("aria-activedescendant");
  }
}

function open(picker, yes) {
  listOf(picker).hidden = !yes;
  boxOf(picker).setAttribute("aria-expanded", String(yes));
  highlight(picker, -1);
}

// The name of the next chip's input: one more than the highest, so that
// a chip removed leaves a gap rather than two inputs of one name.
function nextName(picker) {
  const field = picker.dataset.many;
  let next = 0;
  picker.querySelectorAll("[data-chips] input[type=hidden]").forEach((input) => {
    const m = input.name.match(/\[(\d+)\]$/);
    if (m) {
      next = Math.max(next, Number(m[1]) + 1);
    }
  });
  return `${field}[${next}]`;
}

function addChip(picker, option) {
  const chips = picker.querySelector("[data-chips]");
  const taken = [...chips.querySelectorAll("input[type=hidden]")].some((i) => i.value === option.dataset.value);
  if (taken) {
    return;
  }
  const li = document.createElement("li");
  li.className = "chip";
  const input = document.createElement("input");
  input.type = "hidden";
  input.name = nextName(picker);
  input.value = option.dataset.value;
  const label = document.createElement("span");
  label.textContent = option.dataset.label;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "chip-remove";
  remove.dataset.remove = "";
  // The template's label of a remove button, with this record's name.
  const template = picker.dataset.removeLabel || "×";
  remove.setAttribute("aria-label", template.replace("{name}", option.dataset.label));
  remove.textContent = "×";
  li.append(input, label, remove);
  chips.append(li);
}

function choose(picker, option) {
  const box = boxOf(picker);
  if (picker.dataset.many !== undefined) {
    addChip(picker, option);
    box.value = "";
  } else {
    picker.querySelector("[data-picked]").value = option.dataset.value;
    const type = picker.querySelector("[data-picked-type]");
    if (type) {
      type.value = option.dataset.type;
    }
    box.value = option.dataset.label;
  }
  open(picker, false);
  box.focus();
}

// An answer that arrives after the box was emptied is not shown.
document.addEventListener("htmx:afterSwap", (event) => {
  const picker = pickerOf(event.detail.target);
  if (picker && event.detail.target === listOf(picker)) {
    open(picker, boxOf(picker).value.trim() !== "" && listOf(picker).children.length > 0);
  }
});

document.addEventListener("input", (event) => {
  const picker = pickerOf(event.target);
  if (!picker || event.target !== boxOf(picker)) {
    return;
  }
  // Typing in a picker of one record lets go of the record it held, so
  // that what is saved is what the box shows.
  if (picker.dataset.many === undefined) {
    picker.querySelector("[data-picked]").value = "";
  }
  if (event.target.value.trim() === "") {
    open(picker, false);
  }
});

// A browser sends a form when Enter is typed in one of its inputs, unless
// the key's press was prevented; a press that picked an option sends
// nothing, however the keys arrive.
let swallowSubmit = false;
document.addEventListener("submit", (event) => {
  if (swallowSubmit) {
    event.preventDefault();
  }
}, true);
document.addEventListener("keyup", (event) => {
  if (event.key === "Enter") {
    swallowSubmit = false;
  }
});

document.addEventListener("keydown", (event) => {
  const picker = pickerOf(event.target);
  if (!picker || event.target !== boxOf(picker)) {
    return;
  }
  const all = optionsOf(picker);
  const shown = !listOf(picker).hidden;
  const chosen = Number(picker.dataset.chosen ?? -1);
  switch (event.key) {
    case "ArrowDown":
    case "ArrowUp":
      if (all.length === 0) {
        return;
      }
      event.preventDefault();
      if (!shown) {
        open(picker, true);
      }
      highlight(picker, event.key === "ArrowDown" ? (chosen + 1) % all.length : (chosen <= 0 ? all.length : chosen) - 1);
      break;
    case "Enter":
      // Enter picks the option shown as chosen, and never sends the form
      // while the list is open.
      if (shown) {
        event.preventDefault();
        swallowSubmit = true;
        if (all[chosen]) {
          choose(picker, all[chosen]);
        } else if (all.length === 1) {
          choose(picker, all[0]);
        }
      }
      break;
    case "Escape":
      if (shown) {
        event.preventDefault();
        open(picker, false);
      }
      break;
  }
});

// A press on an option picks it before the box loses the focus.
document.addEventListener("mousedown", (event) => {
  const option = event.target instanceof Element ? event.target.closest('[role="option"][data-value]') : null;
  const picker = pickerOf(option);
  if (option && picker) {
    event.preventDefault();
    choose(picker, option);
  }
});

document.addEventListener("click", (event) => {
  const remove = event.target instanceof Element ? event.target.closest("[data-remove]") : null;
  const picker = pickerOf(remove);
  if (remove && picker) {
    remove.closest(".chip").remove();
    boxOf(picker).focus();
  }
});

// The list closes when the focus leaves the picker.
document.addEventListener("focusout", (event) => {
  const picker = pickerOf(event.target);
  if (picker && !picker.contains(event.relatedTarget) && !listOf(picker).hidden) {
    open(picker, false);
  }
});
