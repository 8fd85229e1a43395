// people.js — settings of people and security: copying a new API token.

// A button with data-copy copies the value of the input it names, and
// says so on itself for a moment, which a screen reader announces.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  const input = document.getElementById(button.dataset.copy);
  if (!input) {
    return;
  }
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = button.dataset.copied;
  button.setAttribute("aria-live", "polite");
  setTimeout(() => {
    button.textContent = label;
  }, 2000);
});
