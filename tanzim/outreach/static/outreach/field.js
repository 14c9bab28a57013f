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

  // A photo is shrunk on the device (longest side 1600 px, JPEG) before it is queued: it must fit
  // the server's limit (1 MB) and localStorage. The server checks it again; this only saves room.
  var PHOTO_MAX = 1000000;
  var PHOTO_SIDE = 1600;
  function decode(file) {
    // createImageBitmap reads the file without a URL (the page's CSP allows no blob: images);
    // older browsers read it as a data: URL instead.
    if (window.createImageBitmap) { return createImageBitmap(file); }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = reject;
        img.src = String(reader.result);
      };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }
  async function readPhoto(file) {
    if (!file || !file.size) { return ""; }
    var img;
    try { img = await decode(file); } catch (error) { throw new Error("bad"); }
    var width = img.width || img.naturalWidth;
    var height = img.height || img.naturalHeight;
    var scale = Math.min(1, PHOTO_SIDE / Math.max(width, height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
    var quality = 0.8;
    var data = canvas.toDataURL("image/jpeg", quality);
    while (data.length * 3 / 4 > PHOTO_MAX && quality > 0.3) {
      quality -= 0.2;
      data = canvas.toDataURL("image/jpeg", quality);
    }
    if (data.length * 3 / 4 > PHOTO_MAX) { throw new Error("big"); }
    return data;
  }

  var groundEl = document.getElementById("f-ground");
  function showDecision() {
    var on = groundEl.value === "kanoon_decision";
    document.querySelectorAll(".f-decision").forEach(function (el) { el.hidden = !on; });
  }
  groundEl.addEventListener("change", showDecision);
  showDecision();

  function render() {
    var queue = load(QUEUE, []);
    var conflicts = load(CONFLICTS, []);
    document.getElementById("f-pending").textContent = String(queue.length);
    document.getElementById("f-done").textContent = String(load(DONE, 0));
    var q = document.getElementById("f-queue");
    q.replaceChildren.apply(q, queue.map(function (item) {
      return li(item.beneficiary_name + " · " + item.kind + (item.photo ? " · " + root.dataset.msgPhoto : ""));
    }));
    var c = document.getElementById("f-conflicts");
    c.replaceChildren.apply(c, conflicts.map(function (item) {
      return li(item.beneficiary_name + " · " + item.kind + ": " + item.message);
    }));
  }

  form.addEventListener("submit", async function (event) {
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
    var photoInput = document.getElementById("f-photo");
    try {
      var photo = await readPhoto(photoInput.files && photoInput.files[0]);
      if (photo) { item.photo = photo; }
    } catch (error) {
      say(error.message === "big" ? root.dataset.msgPhotoBig : root.dataset.msgPhotoBad);
      return;
    }
    if (groundEl.value === "kanoon_decision") {
      item.ground = "kanoon_decision";
      item.decision_number = String(data.get("decision_number") || "").trim();
      item.decision_date = String(data.get("decision_date") || "").trim();
      if (!item.decision_number || !item.decision_date || !item.photo) { say(root.dataset.msgDecision); return; }
    }
    var queue = load(QUEUE, []);
    queue.push(item);
    try {
      save(QUEUE, queue);
    } catch (error) {  // localStorage is full: keep what was there, say so; nothing half-written
      say(root.dataset.msgFull);
      return;
    }
    form.querySelector("[name=beneficiary_name]").value = "";
    form.querySelector("[name=national_code]").value = "";
    photoInput.value = "";
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
        // At most 50 services, and about 2 MB, a request (photos make items large).
        var batch = [];
        var size = 0;
        for (var i = 0; i < queue.length && batch.length < 50; i += 1) {
          var length = JSON.stringify(queue[i]).length;
          if (batch.length && size + length > 2000000) { break; }
          batch.push(queue[i]);
          size += length;
        }
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
