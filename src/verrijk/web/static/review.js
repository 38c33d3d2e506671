// Keyboard review of the cataloger queue: j/k move, a accept, r reject, e edit, x select, Shift+A bulk accept,
// n next batch, p play the item's time span (media.js). Decisions go to the same JSON API programs use
// (POST /review/decisions).
(function () {
  const list = document.getElementById("review-list");
  if (!list) return;
  const items = Array.from(list.querySelectorAll(".review-item"));
  const announce = document.getElementById("announce");
  let current = 0;
  // the web session's CSRF token (base.html): the API refuses a signed-in browser's POST without it
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

  function focusItem(index) {
    current = Math.max(0, Math.min(items.length - 1, index));
    items[current].focus();
  }

  function nextOpen(from) {
    for (let i = from + 1; i < items.length; i++) if (!items[i].dataset.status) return i;
    return from;
  }

  async function send(body) {
    const response = await fetch("/review/decisions", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrfToken},
      credentials: "same-origin", body: JSON.stringify(body),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      // a page not in English says the kind of failure in its own words; the API's detail is English
      const words = list.dataset["problem" + response.status];
      announce.textContent = list.dataset.failed + " " + (words || problem.detail || response.status);
      return null;
    }
    return response.json();
  }

  function mark(item, status) {
    item.dataset.status = status;
    item.classList.add("decided", status);
    item.querySelector(".state").textContent = list.dataset[status];
    announce.textContent = item.querySelector(".label").textContent + ": " + list.dataset[status];
  }

  async function decide(item, status, extra) {
    const done = await send({decisions: [Object.assign({id: Number(item.dataset.id), status: status}, extra || {})]});
    if (done) {
      mark(item, status);
      focusItem(nextOpen(items.indexOf(item)));
    }
  }

  function edit(item) {
    const form = item.querySelector(".edit-form");
    form.hidden = false;
    form.querySelector("input").focus();
  }

  async function bulkAccept() {
    let chosen = items.filter((i) => i.querySelector(".select").checked && !i.dataset.status);
    if (!chosen.length) chosen = items.filter((i) => !i.dataset.status);
    if (!chosen.length) return;
    const done = await send({bulk: {ids: chosen.map((i) => Number(i.dataset.id)), status: "accepted"}});
    if (done) chosen.filter((i) => done.decided.includes(Number(i.dataset.id))).forEach((i) => mark(i, "accepted"));
  }

  items.forEach((item) => {
    item.addEventListener("focus", () => { current = items.indexOf(item); });
    item.querySelectorAll("button[data-action]").forEach((button) => button.addEventListener("click", () => {
      if (button.dataset.action === "edit") edit(item); else decide(item, button.dataset.action);
    }));
    const form = item.querySelector(".edit-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      form.hidden = true;
      decide(item, "edited", {label: form.label.value, authority_uri: form.authority_uri.value || null});
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { form.hidden = true; item.focus(); }
    });
  });

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    const item = items[current];
    // the letter whatever Caps Lock says: with it on, "a" arrives as "A" without Shift and must not accept the page
    const key = event.key.toLowerCase();
    if (key === "j") focusItem(current + 1);
    else if (key === "k") focusItem(current - 1);
    else if (key === "a" && event.shiftKey) bulkAccept();
    else if (key === "a") decide(item, "accepted");
    else if (key === "r") decide(item, "rejected");
    else if (key === "e") edit(item);
    else if (key === "x") { const box = item.querySelector(".select"); box.checked = !box.checked; }
    else if (key === "n") document.getElementById("next-batch").click();
    else if (key === "p") { const play = item.querySelector(".play-span"); if (play) play.click(); }
    else return;
    event.preventDefault();
  });

  focusItem(0);
})();
