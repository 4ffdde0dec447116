// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions (forms marked data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // Certificates: the print button exists only where a script can press print for you.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
  // One-time links are selected on focus so they are easy to copy.
  document.querySelectorAll("input[data-select-on-focus]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });

  const typing = (event) => {
    const t = event.target;
    return t instanceof HTMLTextAreaElement || (t instanceof HTMLInputElement && t.type === "text") || t.isContentEditable;
  };
  const dialog = document.querySelector("[data-keys-dialog]");
  const showKeys = () => dialog && (dialog.open ? dialog.close() : dialog.showModal());
  document.querySelectorAll("[data-show-keys]").forEach((b) => b.addEventListener("click", showKeys));

  // The labeling form: keys pick labels in the current group, then move to the next group;
  // Enter submits once every group has a choice, s skips, ? shows the keys.
  const form = document.getElementById("label-form");
  if (form) {
    const groups = [...form.querySelectorAll("fieldset[data-group]")];
    let current = 0;
    const mark = () => groups.forEach((g, i) => g.classList.toggle("active", i === current));
    const firstOpen = () => groups.findIndex((g) => !g.querySelector("input:checked"));
    mark();
    groups.forEach((g, i) => g.addEventListener("change", () => {
      current = firstOpen() === -1 ? i : firstOpen();
      mark();
    }));
    document.addEventListener("keydown", (event) => {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "?") { showKeys(); event.preventDefault(); return; }
      if (dialog && dialog.open) return;
      if (event.key === "s") { form.querySelector("[data-skip]").click(); event.preventDefault(); return; }
      if (event.key === "Enter") {
        const open = firstOpen();
        if (open === -1) { form.requestSubmit(); } else { current = open; mark(); groups[open].querySelector("input").focus(); }
        event.preventDefault();
        return;
      }
      if (event.key === "Tab" && groups.length > 1) {
        current = (current + (event.shiftKey ? groups.length - 1 : 1)) % groups.length;
        mark();
        event.preventDefault();
        return;
      }
      const group = groups[current];
      const input = group && group.querySelector(`input[data-key="${CSS.escape(event.key)}"]`);
      if (input) {
        input.checked = true;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        event.preventDefault();
      }
    });
  }

  // The feedback page: Enter goes on, f opens the flag form.
  const next = document.querySelector("[data-next]");
  if (next) {
    const flag = document.querySelector("[data-flag]");
    document.addEventListener("keydown", (event) => {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "Enter" && document.activeElement === document.body) { next.click(); event.preventDefault(); }
      if (event.key === "f" && flag) { flag.open = true; flag.querySelector("textarea").focus(); event.preventDefault(); }
    });
  }
});
