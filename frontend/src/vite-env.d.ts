/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Gateway origin, e.g. http://127.0.0.1:8000; unset means the page's own origin. */
  readonly VITE_PARLEY_GATEWAY?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
