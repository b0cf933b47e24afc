import { defineAsyncComponent } from "vue";
import { requireAccount, type PageRoute } from "../guards";
import { text } from "../text";
import SignInView from "../views/SignInView.vue";

const technician = requireAccount("technician");

/** The sign-in page, and the wallboard (a kiosk token, or a signed-in account). */
export const publicPages: PageRoute[] = [
  { name: "signIn", path: "/entrar", component: SignInView },
  {
    name: "wallboard",
    path: "/painel",
    component: defineAsyncComponent(() => import("../views/WallboardView.vue")),
    // A wall TV's kiosk token is checked by the socket itself; without one, sign in first.
    guard: (session, query) => (query.has("token") ? "allow" : technician(session, query)),
    nav: text.app.navWallboard,
    props: (query) => ({ token: query.get("token") }),
    tv: (query) => query.has("token"),
  },
];
