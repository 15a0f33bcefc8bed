// Keeps the team's and site's pages on the phone, so that a page reloaded in a stairwell
// without signal still opens (its stops and unsent outcomes are in the phone's storage).
// Pages and assets: the network first, the copy kept here when there is none. The API is
// left alone: the pages queue what they cannot send.
"use strict";

const CACHE = "sweep-pages-v2";
const KEPT = ["/team", "/site", "/assets/common.css", "/assets/sweep.js", "/assets/team.js", "/assets/site.js", "/assets/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(KEPT)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !KEPT.includes(url.pathname)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        return response;
      })
      .catch(() => caches.match(url.pathname)),
  );
});
