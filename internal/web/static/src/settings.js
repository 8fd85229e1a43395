// settings.js — settings: ordering stages by dragging and the permissions grid.

// Ordering. A list marked data-order (a pipeline's stages, the loss
// reasons) is put in order by dragging a row's handle, with a mouse, a pen
// or a finger, or by its arrow buttons, which work without this script as
// plain forms. Either way the row moves at once and the new order is
// posted; if the server refuses, the rows go back where they were. The
// answer carries each record's new version, which the row's forms need to
// save later.
const orderStatus = () => document.getElementById("order-status");

function announce(key) {
  const status = orderStatus();
  if (status) {
    status.textContent = status.dataset[key] || "";
  }
}

function rowsOf(list) {
  return [...list.children].filter((el) => el.dataset.id);
}

async function saveOrder(list, before) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const body = new URLSearchParams();
  rowsOf(list).forEach((row) => body.append("id", row.dataset.id));
  let answer = null;
  try {
    const res = await fetch(list.dataset.order, {
      method: "POST",
      body,
      headers: { "X-CSRF-Token": meta ? meta.content : "", "X-Requested-With": "fetch" },
      credentials: "same-origin",
    });
    answer = res.ok ? await res.json() : null;
  } catch {
    answer = null;
  }
  if (!answer) {
    before.forEach((row) => list.appendChild(row));
    announce("refused");
    return;
  }
  for (const [id, version] of Object.entries(answer.versions || {})) {
    const row = rowsOf(list).find((r) => r.dataset.id === id);
    row?.querySelectorAll('input[name="version"]').forEach((input) => {
      input.value = String(version);
    });
  }
  list.dataset.saved = String(Number(list.dataset.saved || "0") + 1);
  announce("moved");
}

// The arrow buttons: move the row one place, keep the focus on the button.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const dir = form instanceof HTMLFormElement ? form.dataset.move : undefined;
  const row = dir && form.closest("[data-id]");
  const list = row && row.parentElement;
  if (!list || !list.dataset.order) {
    return;
  }
  event.preventDefault();
  const before = rowsOf(list);
  const other = dir === "up" ? row.previousElementSibling : row.nextElementSibling;
  if (!other) {
    return;
  }
  const button = form.querySelector("button");
  list.insertBefore(row, dir === "up" ? other : other.nextElementSibling);
  button?.focus();
  saveOrder(list, before);
});

// Dragging by the handle, with pointer events, which mice, pens and
// touch screens all send.
document.addEventListener("pointerdown", (event) => {
  const handle = event.target instanceof Element ? event.target.closest(".drag") : null;
  const row = handle && handle.closest("[data-id]");
  const list = row && row.parentElement;
  if (!list || !list.dataset.order || event.button !== 0) {
    return;
  }
  event.preventDefault();
  const before = rowsOf(list);
  row.classList.add("dragging");
  const move = (e) => {
    const next = rowsOf(list).find((r) => r !== row && e.clientY < r.getBoundingClientRect().top + r.offsetHeight / 2);
    if (next !== row.nextElementSibling || !next) {
      list.insertBefore(row, next || null);
    }
  };
  const end = () => {
    document.removeEventListener("pointermove", move);
    document.removeEventListener("pointerup", end);
    document.removeEventListener("pointercancel", end);
    row.classList.remove("dragging");
    const after = rowsOf(list);
    if (after.some((r, i) => r !== before[i])) {
      saveOrder(list, before);
    }
  };
  document.addEventListener("pointermove", move);
  document.addEventListener("pointerup", end);
  document.addEventListener("pointercancel", end);
});

// A new custom field's name in the API follows its label (“Contract
// ends” gives contract_ends) until the name is typed in by hand.
const fieldLabel = document.querySelector("[data-name-from-label]");
const fieldName = fieldLabel && document.getElementById(fieldLabel.dataset.nameFromLabel);
if (fieldLabel && fieldName) {
  let typed = fieldName.value !== "";
  fieldName.addEventListener("input", () => {
    typed = fieldName.value !== "";
  });
  fieldLabel.addEventListener("input", () => {
    if (!typed) {
      fieldName.value = fieldLabel.value.normalize("NFKD").toLowerCase()
        .replace(/[^a-z0-9]+/g, "_").replace(/^[^a-z]+|_+$/g, "").slice(0, 63);
    }
  });
}
