// newssearch: small keyboard and URL conveniences; every page works without this file.
"use strict";

// "/" puts the cursor in the search box (unless one is already typing somewhere).
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target instanceof HTMLElement && (target.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const box = document.getElementById("q");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  }
});

// Submitted searches leave out empty and default fields, so the URL stays short to share.
const defaults = { sort: "relevance", mode: "auto" };
const form = document.getElementById("search");
if (form) {
  form.addEventListener("formdata", (event) => {
    for (const [name, value] of [...event.formData.entries()]) {
      if (value === "" || defaults[name] === value) {
        event.formData.delete(name);
      }
    }
  });
}

// On a phone the filters start folded (unless some are set), so that results come first.
const filters = document.getElementById("filters");
if (filters && !filters.hasAttribute("data-active") && window.matchMedia("(max-width: 760px)").matches) {
  filters.open = false;
}
