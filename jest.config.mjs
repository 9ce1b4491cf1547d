// Three layers (see ARCHITECTURE.md): unit tests of pure code, DOM tests of UI in jsdom,
// and end-to-end tests that load the built extension into real browsers.
const transform = {
  '^.+\\.(t|j|mj)sx?$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', tsx: true },
        transform: { react: { runtime: 'automatic', importSource: 'preact' } },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
};
const shared = {
  transform,
  transformIgnorePatterns: ['/node_modules/(?!(preact|@preact|idb|libphonenumber-js)/)'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'json'],
};

export default {
  projects: [
    { ...shared, displayName: 'unit', testEnvironment: 'node', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...shared, displayName: 'dom', testEnvironment: 'jsdom', testMatch: ['<rootDir>/test/dom/**/*.test.tsx'] },
    { ...shared, displayName: 'bridge', testEnvironment: 'node', testMatch: ['<rootDir>/test/bridge/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'conformance',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/conformance/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      slowTestThreshold: 60,
    },
  ],
};
