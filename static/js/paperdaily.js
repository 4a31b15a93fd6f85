// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // The language switcher submits itself on change; its "Go" button stays for no-JS readers.
  const form = document.querySelector(".lang-switch");
  if (form) {
    const select = form.querySelector("select");
    const button = form.querySelector("button");
    if (button) button.hidden = true;
    select.addEventListener("change", () => form.submit());
  }
});
