/** Style sheets bundled as text (esbuild's `text` loader for .css; see esbuild.js). */
declare module '*.css' {
  const text: string;
  export default text;
}
