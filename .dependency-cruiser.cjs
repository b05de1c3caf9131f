// The layer rule (docs/design.md, "Architecture"): a folder of src/ imports only folders below it.
//   cli → harness, report, plan → results → probes → model → distributed → losses → engine → util
// harness, report and plan are siblings: none imports another.
const order = ['util', 'engine', 'losses', 'distributed', 'model', 'probes', 'results', ['harness', 'report', 'plan'], 'cli'];
const rank = (i) => (Array.isArray(order[i]) ? order[i] : [order[i]]);
const folder = (names) => `^src/(${names.join('|')})/`;

const forbidden = [];
order.forEach((_, i) => {
  const above = order.slice(i + 1).flatMap((_, j) => rank(i + 1 + j));
  if (above.length)
    forbidden.push({
      name: `layer-${rank(i).join('-')}`,
      comment: `${rank(i).join(', ')} may import only the layers below it`,
      severity: 'error',
      from: { path: folder(rank(i)) },
      to: { path: folder(above) },
    });
});
for (const sibling of ['harness', 'report', 'plan'])
  forbidden.push({
    name: `sibling-${sibling}`,
    comment: 'harness, report and plan are siblings: none imports another',
    severity: 'error',
    from: { path: folder([sibling]) },
    to: { path: folder(['harness', 'report', 'plan'].filter((s) => s !== sibling)) },
  });
forbidden.push({
  name: 'no-circular',
  comment: 'a cycle of value imports (type-only imports erase at compile time)',
  severity: 'error',
  from: {},
  to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
