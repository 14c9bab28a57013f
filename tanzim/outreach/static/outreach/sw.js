/* The outreach service worker: keeps the field page and its assets so they open without a
   connection. Pages: the network first, the kept copy when offline. Static files: the kept copy
   first. API calls are never cached (the page's own queue handles them). */
"use strict";
var CACHE = "outreach-field-v2";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) { return; }
  if (request.mode === "navigate" && /^\/outreach\/missions\/\d+\/field\/$/.test(url.pathname)) {
    event.respondWith(
      fetch(request).then(function (response) {
        var copy = response.clone();
        if (response.ok) { caches.open(CACHE).then(function (cache) { cache.put(request, copy); }); }
        return response;
      }).catch(function () {
        return caches.match(request).then(function (hit) { return hit || Response.error(); });
      })
    );
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          var copy = response.clone();
          if (response.ok) { caches.open(CACHE).then(function (cache) { cache.put(request, copy); }); }
          return response;
        });
      })
    );
  }
});
