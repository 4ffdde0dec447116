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
  // A quiz attempt: each answer is saved as it is given (the plain form's Save button does the
  // same without JavaScript), the timer counts down to the server's deadline and submits at zero.
  const attempt = document.getElementById("attempt-form");
  if (attempt) {
    const csrf = attempt.querySelector("input[name=csrf_token]").value;
    const clock = () => new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    const save = (section) => {
      const body = new URLSearchParams();
      body.append("csrf_token", csrf);
      section.querySelectorAll("input, select, textarea").forEach((el) => {
        if (!el.name || el.disabled) return;
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
        body.append(el.name, el.value);
      });
      const state = section.querySelector("[data-save-state]");
      if (state) state.textContent = "…";
      fetch(`/attempts/${attempt.dataset.attempt}/slots/${section.dataset.slot}`, {
        method: "POST", body, headers: { "x-csrf-token": csrf }, credentials: "same-origin",
      }).then((res) => {
        if (res.status === 204) {
          if (state) state.textContent = "✓ " + clock();
          const answered = attempt.parentElement.querySelector("[data-answered]");
          if (answered) answered.textContent = [...attempt.querySelectorAll("section[data-slot]")].filter(answeredIn).length;
          return;
        }
        // Closed or overdue: the server's page says what happened.
        window.location.reload();
      }).catch(() => { if (state) state.textContent = "⚠"; });
    };
    const answeredIn = (section) => [...section.querySelectorAll("input, select, textarea")].some((el) =>
      (el.type === "radio" || el.type === "checkbox") ? el.checked : el.type !== "hidden" && el.value.trim() !== "");
    const timers = new Map();
    attempt.querySelectorAll("section[data-slot]").forEach((section) => {
      section.addEventListener("change", () => save(section));
      section.addEventListener("input", (event) => {
        if (!typing(event)) return;
        clearTimeout(timers.get(section));
        timers.set(section, setTimeout(() => save(section), 800));
      });
    });
    const finish = attempt.querySelector("[data-finish]");
    if (finish) finish.addEventListener("click", (event) => {
      if (!window.confirm(attempt.dataset.finishConfirm)) event.preventDefault();
    });
    const timer = attempt.parentElement.querySelector("[data-deadline]");
    if (timer) {
      const deadline = Number(timer.dataset.deadline);
      const tick = () => {
        const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
        timer.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
        timer.classList.toggle("urgent", left <= 60);
        if (left === 0) {
          clearInterval(handle);
          const input = document.createElement("input");
          input.type = "hidden"; input.name = "action"; input.value = "finish";
          attempt.appendChild(input);
          attempt.submit();
        }
      };
      const handle = setInterval(tick, 1000);
      tick();
    }
  }

  // Certificates: a print button (the page prints cleanly without it too).
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
});
