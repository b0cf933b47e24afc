-- Issue 13, the caller's minute: a sub-menu now begins with the label of the service chosen
-- ("Impressoras."), so its options need not name it again ("Instalar, 1." rather than "Instalar
-- impressora, 1."), and two long options get a shorter spoken form. Every option heard before the
-- key costs the caller its length (docs/performance.md). Only the sentences migration 043 wrote and
-- no admin has changed since are replaced; `ura start` synthesises the new ones before taking calls.

UPDATE services SET prompt = 'Internet, 4.' WHERE id = 204 AND prompt = 'Sem internet, 4.';
UPDATE services SET prompt = 'Programas, 5.' WHERE id = 205 AND prompt = 'Instalar programa, 5.';
UPDATE services SET prompt = 'Instalar, 1.' WHERE id = 301 AND prompt = 'Instalar impressora, 1.';
UPDATE services SET prompt = 'Configurar, 2.' WHERE id = 302 AND prompt = 'Configurar impressora, 2.';
UPDATE services SET prompt = 'Suprimentos, 3.' WHERE id = 303 AND prompt = 'Troca de suprimentos, 3.';
