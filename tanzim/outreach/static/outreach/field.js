/* The outreach field page: services are kept in localStorage until the server has answered for
   each one, so a closed tablet or a dropped connection loses nothing; every service carries an id
   made here, so sending it again is harmless (the server answers "already recorded"). */
(function () {
  "use strict";
  var root = document.getElementById("field");
  if (!root) { return; }
  var mission = root.dataset.mission;
  var QUEUE = "outreach.queue." + mission;
  var CONFLICTS = "outreach.conflicts." + mission;
  var DONE = "outreach.done." + mission;
  var form = document.getElementById("field-form");
  var statusEl = document.getElementById("f-status");
  var syncing = false;

  function load(key, fallback) {
    try { var v = JSON.parse(localStorage.getItem(key)); return v === null ? fallback : v; }
    catch (e) { return fallback; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return "svc-" + crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "svc-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function say(text) { statusEl.textContent = text; }
  function li(text) { var el = document.createElement("li"); el.textContent = text; return el; }

  function render() {
    var queue = load(QUEUE, []);
    var conflicts = load(CONFLICTS, []);
    document.getElementById("f-pending").textContent = String(queue.length);
    document.getElementById("f-done").textContent = String(load(DONE, 0));
    var q = document.getElementById("f-queue");
    q.replaceChildren.apply(q, queue.map(function (item) { return li(item.beneficiary_name + " · " + item.kind); }));
    var c = document.getElementById("f-conflicts");
    c.replaceChildren.apply(c, conflicts.map(function (item) {
      return li(item.beneficiary_name + " · " + item.kind + ": " + item.message);
    }));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var item = {
      client_id: newId(),
      kind: String(data.get("kind") || ""),
      beneficiary_name: String(data.get("beneficiary_name") || "").trim(),
      national_code: String(data.get("national_code") || "").trim(),
      served_on: String(data.get("served_on") || root.dataset.today),
      recorded_at: new Date().toISOString()
    };
    var queue = load(QUEUE, []);
    queue.push(item);
    save(QUEUE, queue);
    form.querySelector("[name=beneficiary_name]").value = "";
    form.querySelector("[name=national_code]").value = "";
    form.querySelector("[name=beneficiary_name]").focus();
    say(root.dataset.msgQueued);
    render();
    if (navigator.onLine) { sync(); }
  });

  function csrf() { return form.querySelector("[name=csrfmiddlewaretoken]").value; }

  async function sync() {
    if (syncing) { return; }
    if (!navigator.onLine) { say(root.dataset.msgOffline); return; }
    syncing = true;
    try {
      var queue = load(QUEUE, []);
      while (queue.length) {
        var batch = queue.slice(0, 50);
        var response = await fetch(root.dataset.syncUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
          body: JSON.stringify({ items: batch })
        });
        if (!response.ok) { throw new Error(String(response.status)); }
        var body = await response.json();
        var answered = {};
        var conflicts = load(CONFLICTS, []);
        var done = load(DONE, 0);
        body.results.forEach(function (result) {
          answered[result.client_id] = true;
          if (result.outcome === "conflict") {
            var item = batch.find(function (b) { return b.client_id === result.client_id; }) || {};
            var detail = Object.values(result.field_errors || {}).flat().join(" ");
            conflicts.push({ beneficiary_name: item.beneficiary_name || "", kind: item.kind || "",
                             message: (result.message + " " + detail).trim() });
          } else {
            done += 1;
          }
        });
        save(CONFLICTS, conflicts);
        save(DONE, done);
        // Drop only what the server answered for; re-read the queue (new services may have come in).
        queue = load(QUEUE, []).filter(function (item) { return !answered[item.client_id]; });
        save(QUEUE, queue);
        render();
      }
      say(root.dataset.msgSynced);
    } catch (error) {
      say(root.dataset.msgFailed);
    } finally {
      syncing = false;
      render();
    }
  }

  document.getElementById("f-sync").addEventListener("click", sync);
  window.addEventListener("online", function () { say(root.dataset.msgOnline); sync(); });
  window.addEventListener("offline", function () { say(root.dataset.msgOffline); });
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(root.dataset.swUrl, { scope: "/outreach/" }).catch(function () {});
  }
  render();
  if (navigator.onLine && load(QUEUE, []).length) { sync(); }
})();
