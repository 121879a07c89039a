export const prerender = true;
export const ssr = false;
// Pages become <route>/index.html, which every static host serves without rewrite rules.
export const trailingSlash = 'always';
