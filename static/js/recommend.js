// The recommend form and the thank-you page. Progressive enhancement: both work without it.
(() => {
  document.documentElement.classList.add("js");

  // Live character count under the write-up: the number changes as one types (the bounds are in the
  // page already); a screen reader is told only when the state changes, never on each keystroke.
  for (const box of document.querySelectorAll("textarea[data-count]")) {
    const out = document.querySelector(`[data-count-for="${box.id}"]`);
    const number = out && out.querySelector("[data-count-n]");
    if (!number) continue;
    const status = document.querySelector(`[data-count-status-for="${box.id}"]`);
    const max = Number(box.getAttribute("maxlength")) || 0;
    const min = Number(box.getAttribute("minlength")) || 0;
    const stateOf = (n) => {
      if (max && n > max) return "over";
      if (max && n >= max - Math.max(20, Math.round(max / 20))) return "near";
      if (n >= min) return "enough";
      return n > 0 ? "short" : "empty";
    };
    let state = stateOf(box.value.trim().length);
    const update = () => {
      const n = box.value.trim().length;
      number.textContent = String(n);
      out.classList.toggle("form__count--over", Boolean(max && n > max) || (n > 0 && n < min));
      const now = stateOf(n);
      if (status && now !== state && status.dataset[`text${now[0].toUpperCase()}${now.slice(1)}`]) {
        status.textContent = status.dataset[`text${now[0].toUpperCase()}${now.slice(1)}`];
      }
      state = now;
    };
    box.addEventListener("input", update);
    update();
  }

  // Show the "new topic" fields only when the recommender chooses to propose one.
  const topic = document.querySelector("select[name=tag]");
  const proposal = document.querySelector("[data-proposal]");
  if (topic && proposal) {
    const sync = () => {
      const hasValue = [...proposal.querySelectorAll("input, select")].some((el) => el.value);
      const hasError = proposal.querySelector(".form__field--invalid");
      proposal.hidden = !(topic.value === "new" || hasValue || hasError);
    };
    topic.addEventListener("change", () => {
      sync();
      if (topic.value === "new") proposal.querySelector("input")?.focus();
    });
    sync();
  }

  // Ask before withdrawing.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // Thank-you page: poll until the paper's title is known; write text only, never HTML.
  const page = document.querySelector("[data-status-url]");
  const state = page && page.querySelector("[data-paper-state][data-pending]");
  if (!state) return;
  const text = (name) => page.querySelector(`template[data-text-${name}]`).content.textContent.trim();
  let delay = 1000;
  const started = Date.now();
  const poll = async () => {
    let data;
    try {
      const response = await fetch(page.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch {
      data = null;
    }
    if (data) {
      const paper = data.paper;
      if (paper.title) page.querySelector("[data-paper-title]").textContent = paper.title;
      page.querySelector("[data-paper-authors]").textContent = paper.authors.join(", ");
      const status = page.querySelector("[data-rec-status]");
      status.textContent = data.status_label;
      status.className = `status status--${data.status}`;
      if (paper.metadata_status !== "pending") {
        if (paper.metadata_status === "ok") state.textContent = text("found");
        else state.textContent = paper.title ? text("known") : text("failed");
        delete state.dataset.pending;
        return;
      }
    }
    if (Date.now() - started > 120000) {
      state.textContent = text("slow");
      return;
    }
    delay = Math.min(delay * 1.5, 5000);
    setTimeout(poll, delay);
  };
  setTimeout(poll, delay);
})();
