import { defineAsyncComponent } from "vue";
import { requireAccount, type PageRoute } from "../guards";
import { text } from "../text";

const admin = requireAccount("admin");

/** The admin pages: every one guarded by requireAccount("admin"), each loaded when first opened. */
export const adminPages: PageRoute[] = [
  { name: "adminUsers", path: "/admin/usuarios", component: defineAsyncComponent(() => import("../views/admin/UsersView.vue")), guard: admin, nav: text.app.navUsers },
  { name: "adminAccounts", path: "/admin/contas", component: defineAsyncComponent(() => import("../views/admin/AccountsView.vue")), guard: admin, nav: text.app.navAccounts },
  { name: "adminCatalogue", path: "/admin/menus", component: defineAsyncComponent(() => import("../views/admin/CatalogueView.vue")), guard: admin, nav: text.app.navCatalogue },
  { name: "adminHours", path: "/admin/horarios", component: defineAsyncComponent(() => import("../views/admin/HoursView.vue")), guard: admin, nav: text.app.navHours },
  { name: "adminStatus", path: "/admin/estado", component: defineAsyncComponent(() => import("../views/admin/StatusView.vue")), guard: admin, nav: text.app.navStatus },
  { name: "adminKiosks", path: "/admin/quiosques", component: defineAsyncComponent(() => import("../views/admin/KiosksView.vue")), guard: admin, nav: text.app.navKiosks },
  { name: "adminAnnouncements", path: "/admin/avisos", component: defineAsyncComponent(() => import("../views/admin/AnnouncementsView.vue")), guard: admin, nav: text.app.navAnnouncements },
  { name: "adminIdentification", path: "/admin/identificacao", component: defineAsyncComponent(() => import("../views/admin/IdentificationView.vue")), guard: admin, nav: text.app.navIdentification },
  { name: "adminGuidance", path: "/admin/orientacoes", component: defineAsyncComponent(() => import("../views/admin/GuidanceView.vue")), guard: admin, nav: text.app.navGuidance },
];
