// Scores FHIR QuestionnaireResponses with a Questionnaire's FHIRPath, as an SDC form filler does,
// using the `fhirpath` package (HL7's FHIRPath implementation for JavaScript, pinned in
// package.json). Test-only: tests/interchange/test_fhir.py writes the files and reads the result.
//
//   node score.js QUESTIONNAIRE.json RESPONSES.ndjson OUT.ndjson
//
// The Questionnaire's variables are evaluated in order, each seeing the earlier ones, then every
// SDC calculatedExpression. OUT's first line is the list of scored linkIds; each further line is
// one response's results, a FHIRPath collection per score, in that order.
'use strict';
const fs = require('fs');
const fhirpath = require('fhirpath');
const r4 = require('fhirpath/fhir-context/r4');

const VARIABLE = 'http://hl7.org/fhir/StructureDefinition/variable';
const CALCULATED =
  'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression';

const [questionnairePath, responsesPath, outPath] = process.argv.slice(2);
const questionnaire = JSON.parse(fs.readFileSync(questionnairePath, 'utf8'));
// variables keep the engine's typed nodes, as a form filler keeps them between expressions
const raw = { resolveInternalTypes: false };
const variables = (questionnaire.extension || [])
  .filter((e) => e.url === VARIABLE)
  .map((e) => [e.valueExpression.name, fhirpath.compile(e.valueExpression.expression, r4, raw)]);
const scores = [];
for (const item of questionnaire.item) {
  for (const e of item.extension || []) {
    if (e.url === CALCULATED) {
      scores.push([item.linkId, fhirpath.compile(e.valueExpression.expression, r4)]);
    }
  }
}

const out = [JSON.stringify(scores.map(([linkId]) => linkId))];
for (const line of fs.readFileSync(responsesPath, 'utf8').split('\n')) {
  if (!line) continue;
  const response = JSON.parse(line);
  const context = { resource: response, questionnaire };
  for (const [name, evaluate] of variables) context[name] = evaluate(response, context);
  out.push(JSON.stringify(scores.map(([, evaluate]) => evaluate(response, context))));
}
fs.writeFileSync(outPath, out.join('\n') + '\n');
