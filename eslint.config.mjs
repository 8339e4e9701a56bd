// ESLint flat config: typescript-eslint's recommended rules over every TypeScript file we own.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "artifacts/", "cache/", "typechain-types/", "coverage/", "data/", "bench-results/", "dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      // chai's `expect(x).to.be.true` is an expression statement by design
      "@typescript-eslint/no-unused-expressions": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
  {
    // The dashboard: plain ES modules run by the browser (no bundler), so browser globals.
    files: ["web/**/*.js"],
    languageOptions: {
      globals: Object.fromEntries(
        (
          "window document location navigator localStorage fetch console URL URLSearchParams Node Element " +
          "setTimeout clearTimeout setInterval clearInterval"
        )
          .split(" ")
          .map((name) => [name, "readonly"]),
      ),
    },
  },
);
