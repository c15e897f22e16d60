// Fill the search box's datalist with suggestions from /api/v1/suggest as the user types.
(function () {
  "use strict";
  const input = document.querySelector("input[data-suggest-url]");
  if (!input) return;
  const list = document.getElementById(input.getAttribute("list"));
  const url = input.dataset.suggestUrl;
  let timer = null;
  let lastAsked = "";

  function show(items) {
    list.replaceChildren();
    for (const item of items) {
      const option = document.createElement("option");
      option.value = item.text;
      option.label = item.label;
      list.appendChild(option);
    }
  }

  async function ask(text) {
    lastAsked = text;
    try {
      const response = await fetch(url + "?q=" + encodeURIComponent(text), { credentials: "same-origin" });
      if (!response.ok || text !== lastAsked) return;
      const data = await response.json();
      show(data.suggestions || []);
    } catch (error) {
      // Suggestions are a convenience; a failed request leaves the box as it is.
    }
  }

  input.addEventListener("input", function () {
    const text = input.value.trim();
    clearTimeout(timer);
    if (!text) { show([]); return; }
    timer = setTimeout(function () { ask(text); }, 150);
  });
})();
