/**
 * The controls' custom elements (VS Code's own look), bundled on their own as
 * dist/webview-elements.js and loaded right after the panel's first paint (see lazy.ts): Lit and
 * six elements are two thirds of the panel's code, and the picture does not need them. Until they
 * are defined the controls hold their place, invisible (media/attention.css), and Controls applies
 * the options once they are (controls.ts).
 */
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
