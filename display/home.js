// home.js — the landing page: branch name, language, links to the pages.
import { fetchInfo } from '/common/api.js';
import { initLang, applyI18n, mountLangSwitch } from '/common/i18n.js';

async function boot() {
  let info = null;
  try {
    info = await fetchInfo();
  } catch (e) {
    info = null; // the links work without it
  }
  const langs = info && info.branch ? info.branch.languages : null;
  initLang(langs);
  const showName = () => {
    applyI18n(document);
    if (info && info.branch && info.branch.name) {
      document.getElementById('branch-name').textContent = info.branch.name;
      document.title = 'fairq — ' + info.branch.name;
    }
  };
  mountLangSwitch(document.getElementById('lang'), langs, showName);
  showName();
}

boot();
