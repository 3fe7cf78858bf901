// boot.js — how the staff and customer pages start: fetch /api/v1/info and
// set up the language from the branch's list. While the server cannot be
// reached the page says so (in the browser's language) and asks again every
// 5 s, so a console or kiosk switched on before the server comes up by itself.

import { fetchInfo } from '/common/api.js';
import { t, initLang, applyI18n } from '/common/i18n.js';

const RETRY_MS = 5000;

// Resolves to the info once the server answers. offline(message) is called
// with the translated `messageKey` after each failed attempt.
export async function loadInfo(offline, messageKey) {
  for (;;) {
    try {
      const info = await fetchInfo();
      initLang(info.branch && info.branch.languages);
      applyI18n(document);
      return info;
    } catch (e) {
      initLang(null);
      applyI18n(document);
      offline(t(messageKey));
      await new Promise((resolve) => window.setTimeout(resolve, RETRY_MS));
    }
  }
}
