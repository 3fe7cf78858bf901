// audit.js — the audit page's language; the report itself comes from
// `fairq audit` or GET /api/v1/audit/report until a viewer is built here.
import { fetchInfo } from '/common/api.js';
import { t, initLang, applyI18n, mountLangSwitch } from '/common/i18n.js';

async function boot() {
  let info = null;
  try {
    info = await fetchInfo();
  } catch (e) {
    info = null;
  }
  const langs = info && info.branch ? info.branch.languages : null;
  initLang(langs);
  const apply = () => {
    applyI18n(document);
    document.title = t('audit.title');
  };
  mountLangSwitch(document.getElementById('lang'), langs, apply);
  apply();
}

boot();
