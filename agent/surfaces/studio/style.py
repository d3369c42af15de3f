"""The studio's stylesheet (the classes ``render`` writes) and its fonts: the system's own, so
the page loads nothing from outside the server."""

from __future__ import annotations

FONTS = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]

CSS = """
#studio-header h1 { margin: 0; font-size: 1.35rem; }
.lm-section { margin: 8px 0 4px; font-size: 1.05rem; }
#studio-header p { margin: 2px 0 0; opacity: .75; font-size: .9rem; }
.lm-message { padding: 6px 10px; border-radius: 6px; font-size: .95rem; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.lm-message.error { background: #fde8e8; color: #9b1c1c; border: 1px solid #f8b4b4; }
.lm-message.info { background: #e8f1fd; color: #1e429f; border: 1px solid #c3ddfd; }
.lm-message.empty { display: none; }
.lm-thread { display: flex; flex-direction: column; gap: 14px; }
.lm-hint { opacity: .7; }
.lm-turn { border: 1px solid var(--border-color-primary, #ddd); border-radius: 8px; padding: 10px; }
.lm-request { font-weight: 600; margin-bottom: 6px; }
.lm-kind { font-size: .75rem; text-transform: uppercase; padding: 1px 6px; border-radius: 4px;
  background: var(--neutral-200, #e5e7eb); color: #374151; margin-right: 6px; }
.lm-plan summary, .lm-repairs summary { cursor: pointer; font-size: .9rem; }
.lm-table { border-collapse: collapse; font-size: .85rem; margin: 6px 0; width: 100%; }
.lm-table th, .lm-table td { border: 1px solid var(--border-color-primary, #ddd); padding: 3px 6px;
  text-align: left; vertical-align: top; }
.lm-progress { margin: 8px 0; }
.lm-progress progress { width: 100%; height: 10px; }
.lm-progress-line { font-size: .9rem; margin-bottom: 4px; }
.lm-drawn { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 6px; }
.lm-thumb { width: 96px; height: 96px; object-fit: cover; border-radius: 4px; }
.lm-notes, .lm-error, .lm-revision, .lm-summary { font-size: .9rem; margin: 6px 0; }
.lm-error { color: #9b1c1c; }
.lm-revision { color: #1e429f; }
.lm-batch { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; }
.lm-image { margin: 0; border: 1px solid var(--border-color-primary, #ddd); border-radius: 6px; padding: 6px; }
.lm-image.changed { border: 2px solid #1c64f2; }
.lm-frame { position: relative; line-height: 0; }
.lm-frame img { width: 100%; height: auto; border-radius: 4px; }
.lm-missing { line-height: 1.3; padding: 30px 8px; background: #fde8e8; color: #9b1c1c; }
.lm-defect { position: absolute; display: none; border: 2px solid #e02424; background: rgba(224, 36, 36, .12);
  box-sizing: border-box; }
.lm-defect-label { position: absolute; top: 0; left: 0; background: #e02424; color: #fff; font-size: 11px;
  line-height: 14px; padding: 0 3px; }
.lm-image:has(.lm-toggle:checked) .lm-defect { display: block; }
.lm-head { font-size: .85rem; display: flex; gap: 6px; flex-wrap: wrap; align-items: center; margin-top: 6px; }
.lm-badges { display: flex; gap: 4px; flex-wrap: wrap; margin-top: 4px; }
.lm-badge { font-size: .75rem; padding: 1px 6px; border-radius: 10px; border: 1px solid transparent; }
.lm-badge.pass { background: #def7ec; color: #03543f; }
.lm-badge.fail { background: #fde8e8; color: #9b1c1c; }
.lm-badge.skipped { background: #f3f4f6; color: #4b5563; }
.lm-badge.changed { background: #1c64f2; color: #fff; }
.lm-badge.kept { background: #f3f4f6; color: #6b7280; }
.lm-why { font-weight: normal; }
.lm-toggle-label { font-size: .8rem; cursor: pointer; }
.lm-repair { font-size: .8rem; margin: 4px 0; }
.lm-pair { display: flex; gap: 6px; }
.lm-pair figure { margin: 0; width: 48%; }
.lm-pair img { width: 100%; }
.lm-downloads { font-size: .85rem; margin-top: 8px; }
.lm-downloads a, .lm-head a { color: #1c64f2; }
"""
