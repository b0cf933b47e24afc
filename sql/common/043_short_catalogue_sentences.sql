-- Issue 13, the caller's minute: the seed catalogue's sentences, shorter. A caller who answers at
-- each question hears every option of a menu before pressing a key, so the two catalogue menus were
-- half of the time to a ticket (docs/performance.md). The menu's question now says "tecle" once
-- ("Tecle o número do serviço:"), so each option is "<label>, <key>." instead of "Para <label>,
-- tecle <key>."; long labels get a short spoken form. Only sentences an admin has not changed since
-- the seed are replaced; `ura start` synthesises the new ones before taking calls.

UPDATE services SET prompt = 'Sistemas, 1.' WHERE id = 1 AND prompt = 'Para sistemas, tecle 1.';
UPDATE services SET prompt = 'Computador, 2.' WHERE id = 2 AND prompt = 'Para computador, tecle 2.';
UPDATE services SET prompt = 'Impressoras, 3.' WHERE id = 3 AND prompt = 'Para impressoras, tecle 3.';
UPDATE services SET prompt = 'Acessos, 4.' WHERE id = 4 AND prompt = 'Para liberação de acessos, tecle 4.';
UPDATE services SET prompt = 'Projetor, 5.' WHERE id = 5 AND prompt = 'Para projetor multimídia, tecle 5.';
UPDATE services SET prompt = 'Ramal, 6.' WHERE id = 6 AND prompt = 'Para ramal telefônico, tecle 6.';

UPDATE services SET prompt = 'Atualizar o portal, 1.' WHERE id = 101 AND prompt = 'Para atualização do portal, tecle 1.';
UPDATE services SET prompt = 'Outros problemas, 2.' WHERE id = 102 AND prompt = 'Para problemas diversos, tecle 2.';
UPDATE services SET prompt = 'Formatação, 1.' WHERE id = 201 AND prompt = 'Para formatação do computador, tecle 1.';
UPDATE services SET prompt = 'Não liga, 2.' WHERE id = 202 AND prompt = 'Se o computador não liga, tecle 2.';
UPDATE services SET prompt = 'Não imprime, 3.' WHERE id = 203 AND prompt = 'Para computador sem conexão com a impressora, tecle 3.';
UPDATE services SET prompt = 'Sem internet, 4.' WHERE id = 204 AND prompt = 'Para problema de conexão com a internet, tecle 4.';
UPDATE services SET prompt = 'Instalar programa, 5.' WHERE id = 205 AND prompt = 'Para instalação de software, tecle 5.';
UPDATE services SET prompt = 'Outros problemas, 6.' WHERE id = 206 AND prompt = 'Para problemas diversos, tecle 6.';
UPDATE services SET prompt = 'Instalar impressora, 1.' WHERE id = 301 AND prompt = 'Para instalar uma impressora, tecle 1.';
UPDATE services SET prompt = 'Configurar impressora, 2.' WHERE id = 302 AND prompt = 'Para configurar uma impressora, tecle 2.';
UPDATE services SET prompt = 'Troca de suprimentos, 3.' WHERE id = 303 AND prompt = 'Para troca de suprimentos, tecle 3.';
UPDATE services SET prompt = 'Privilégio no IPM, 1.' WHERE id = 401 AND prompt = 'Para privilégio no sistema IPM, tecle 1.';
UPDATE services SET prompt = 'Wi-fi, 2.' WHERE id = 402 AND prompt = 'Para liberar acesso ao wi-fi, tecle 2.';
UPDATE services SET prompt = 'Sites, 3.' WHERE id = 403 AND prompt = 'Para liberar acesso a sites, tecle 3.';
UPDATE services SET prompt = 'Pastas do servidor, 4.' WHERE id = 404 AND prompt = 'Para liberar acesso a pastas do servidor, tecle 4.';
UPDATE services SET prompt = 'Reservar projetor, 1.' WHERE id = 501 AND prompt = 'Para reservar um projetor, tecle 1.';
UPDATE services SET prompt = 'Problema no ramal, 1.' WHERE id = 601 AND prompt = 'Para problema com ramal, tecle 1.';
