import { defineAsyncComponent } from "vue";
import { requireAccount, type PageRoute } from "../guards";
import { text } from "../text";

const technician = requireAccount("technician");

/**
 * The technicians' pages: the queue (where technicians land after signing in), a ticket
 * (`#/chamado?protocolo=10001`) and a new ticket for a caller (`#/chamados/novo?usuario=…&servico=…&ligacao=…`,
 * what the incoming-call card's button opens). Each is loaded when first opened.
 */
export const techPages: PageRoute[] = [
  { name: "queue", path: "/fila", component: defineAsyncComponent(() => import("../views/tech/QueueView.vue")), guard: technician, nav: text.tech.navQueue, home: true },
  {
    name: "ticket",
    path: "/chamado",
    component: defineAsyncComponent(() => import("../views/tech/TicketView.vue")),
    guard: technician,
    props: (query) => ({ protocol: query.get("protocolo") ?? "" }),
  },
  {
    name: "newTicket",
    path: "/chamados/novo",
    component: defineAsyncComponent(() => import("../views/tech/NewTicketView.vue")),
    guard: technician,
    props: (query) => ({ userCode: query.get("usuario") ?? "", serviceId: query.get("servico") ?? "", callId: query.get("ligacao") ?? "", description: query.get("descricao") ?? "" }),
  },
];
