// simple-peer's prebuilt browser bundle: the same API as the package, without Node globals (see STACK.md).
declare module 'simple-peer/simplepeer.min.js' { export { default } from 'simple-peer'; }
