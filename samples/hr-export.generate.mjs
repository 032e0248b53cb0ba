// Writes hr-export.csv as an HR system exports it: Windows-1252, semicolons, CRLF.
// Run from the repository root: node samples/hr-export.generate.mjs
import { writeFileSync } from 'node:fs';
import iconv from 'iconv-lite';

const rows = [
  ['Personalnummer', 'Vorname', 'Nachname', 'E-Mail', 'Telefon', 'Mobil', 'Abteilung', 'Position', 'Land', 'Sprache', 'Eintrittsdatum', 'Kostenstelle'],
  ['1001', 'Hans', 'Müller', 'hans.mueller@example.de', '+49 30 1234-101', '', 'Vertrieb', 'Vertriebsleiter', 'Deutschland', 'DE', '01.04.2009', '4100'],
  ['1002', 'Jürgen', 'Weiß', 'juergen.weiss@example.de', '+49 30 1234-102', '+49 170 5550102', 'Buchhaltung', 'Buchhalter', 'Deutschland', 'DE', '15.08.2012', '2100'],
  ['1003', 'Françoise', 'Lefèvre', 'francoise.lefevre@example.fr', '+33 1 45 67 89 01', '', 'Marketing', 'Chargée de communication', 'Frankreich', 'FR', '02.01.2015', '3200'],
  ['1004', 'Hans', 'Müller', 'hans.mueller.lager@example.de', '+49 30 1234-240', '', 'Lager', 'Lagerist', 'Deutschland', '', '01.10.2019', '5100'],
  ['1005', 'Chloé', 'D’Arcy', 'chloe.darcy@example.fr', '+33 1 45 67 89 02', '+33 6 12 34 56 78', 'Forschung', 'Ingénieure', 'Frankreich', 'FR', '01.03.2021', '6100'],
  ['1006', 'Øystein', 'Ødegård', 'oystein.odegard@example.de', '+49 30 1234-310', '', 'IT', 'Systemadministrator', 'Deutschland', 'EN', '01.06.2018', '7100'],
  ['1007', 'Sören', 'Schäfer', 'soeren.schaefer@example.at', '+43 1 234 5678', '', 'Einkauf', 'Leiter Einkauf; Prokurist', 'Österreich', 'DE', '01.01.2011', '2200'],
  ['1008', 'Zoë', 'Bäcker', 'zoe.baecker@example.ch', '+41 44 123 45 67', '', 'Personal', 'Personalreferentin', 'Schweiz', 'DE', '01.09.2020', '1100'],
  ['1009', 'François', 'Gérard', 'francois.gerard@example.ch', '+41 22 765 43 21', '', 'Vertrieb', 'Commercial', 'Suisse', 'FR', '16.05.2017', '4100'],
  ['1010', 'Anaïs', 'Côté', 'anais.cote@example.fr', '+33 4 78 90 12 34', '', 'Kundendienst', 'Conseillère clientèle', 'France', 'FR', '01.02.2022', '4300'],
  ['1011', 'Jörg', 'Groß', 'joerg.gross@example.de', '+49 30 1234-100', '+49 171 5550111', 'Geschäftsführung', 'Geschäftsführer', 'Deutschland', 'DE', '01.01.2005', '1000'],
  ['1012', 'Ægir', 'Lindqvist', 'aegir.lindqvist@example.de', '+49 30 1234-311', '', 'IT', 'Entwickler', '', 'EN', '01.07.2023', '7100'],
  ['1013', 'Renée', 'Kœnig', 'renee.koenig@example.fr', '+33 3 88 12 34 56', '', 'Marketing', 'Responsable "Événements"', 'Frankreich', 'FR', '01.11.2016', '3200'],
];

const cell = (v) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const text = rows.map((r) => r.map(cell).join(';')).join('\r\n') + '\r\n';
writeFileSync(new URL('./hr-export.csv', import.meta.url), iconv.encode(text, 'windows-1252'));
