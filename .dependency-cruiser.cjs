/** Import directions of STYLE.md, checked as part of `npm test`. */
const stages = 'config|ingress|tenancy|conversation|escalation|engine|actions|outbound|followups|jobs|admin|ops|sandbox|cli';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'stages-do-not-import-adapters',
      comment: 'Only app.ts chooses adapters; stages talk to ports.',
      severity: 'error',
      from: { path: `^src/(${stages})/` },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'stages-use-other-stages-index',
      comment: "A stage's index.ts is its public surface.",
      severity: 'error',
      from: { path: `^src/(${stages})/` },
      to: { path: `^src/(${stages})/(?!index\\.ts$)[^/]+`, pathNot: '^src/$1/' },
    },
    {
      name: 'adapters-do-not-import-stages',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: `^src/(${stages})/` },
    },
    {
      name: 'ports-and-shared-stand-alone',
      severity: 'error',
      from: { path: '^src/(ports|shared)/' },
      to: { path: `^src/(${stages}|adapters)/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
