/** The page's only stylesheet, served by the service at {@link STYLE_PATH}: no font or style from elsewhere. */
export const STYLE_PATH = '/page/style.css';

export const STYLE = `
:root { --fg: #1d2430; --muted: #5b6678; --line: #d9dee7; --bg: #f6f7f9; --card: #fff;
  --bad: #b42318; --warn: #b54708; --ok: #067647; --link: #1849a9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem;
  background: #1d2430; color: #fff; }
header a { color: #dbe4ff; text-decoration: none; }
header a:hover { text-decoration: underline; }
header .title { font-weight: 600; color: #fff; margin-right: 1rem; }
header form { margin-left: auto; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.3rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.6rem 0 .6rem; }
section.card > h2:first-child { margin-top: .2rem; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
  padding: .8rem 1rem; margin-bottom: 1rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .6rem; }
.stat { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; background: #fbfcfd; }
.stat .label { color: var(--muted); font-size: .8rem; }
.stat .value { font-size: 1.25rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: .8rem; }
td.msg { max-width: 480px; overflow-wrap: anywhere; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .85em;
  overflow-wrap: anywhere; }
a { color: var(--link); }
.bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); font-weight: 600; }
.ok { color: var(--ok); font-weight: 600; }
.muted { color: var(--muted); }
.notice { padding: .6rem .8rem; border-radius: 6px; background: #eef4ff; border: 1px solid #c7d7fe; margin-bottom: 1rem; }
.notice.error { background: #fef3f2; border-color: #fecdca; }
button { font: inherit; padding: .3rem .8rem; border-radius: 5px; border: 1px solid #98a2b3;
  background: #fff; cursor: pointer; }
button.primary { background: #1849a9; color: #fff; border-color: #1849a9; }
header button { background: transparent; color: #dbe4ff; border-color: #5b6678; }
input[type=search], input[type=password] { font: inherit; padding: .35rem .5rem; border: 1px solid #98a2b3;
  border-radius: 5px; min-width: 280px; }
form.inline { display: inline; }
section.card > form { margin-top: .8rem; }
.signin { max-width: 420px; margin: 10vh auto; }
.signin label { display: block; margin: .8rem 0 .3rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
`;
