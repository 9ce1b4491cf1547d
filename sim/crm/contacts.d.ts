/** Types of the demo CRM's data (contacts.js, which the browser loads as it is). */
export interface DemoContact {
  id: string;
  name: string;
  company: string;
  title: string;
  city: string;
  phones: { label: string; number: string }[];
  email: string;
  owner: string;
  note: string;
}

export const contacts: DemoContact[];
export function findContact(id: string): DemoContact | undefined;
