// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions (forms marked data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // One-time links are selected on focus so they are easy to copy.
  document.querySelectorAll("input[data-select-on-focus]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
});
