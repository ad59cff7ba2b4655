export { analyzeFile, scanHandlers } from "./taint/handlers.ts";
