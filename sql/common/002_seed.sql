-- Seed: the service catalogue of the thesis's Table 1 (keys 1..6, sub-options 1..n; "7 repeats"
-- is the IVR's job, not a catalogue row), and the default weekly schedule
-- (Monday to Friday, 08:00-12:00 and 13:00-17:00, local time). Both are editable through the
-- admin API; ids are fixed so every installation starts with the same numbers.

INSERT INTO services (id, parent_id, dtmf_key, label, prompt, active, created_at, updated_at) VALUES
  (1, NULL, '1', 'Sistemas',    'Para sistemas, tecle 1.',               1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (2, NULL, '2', 'Computador',  'Para computador, tecle 2.',             1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (3, NULL, '3', 'Impressoras', 'Para impressoras, tecle 3.',            1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (4, NULL, '4', 'Acessos',     'Para liberação de acessos, tecle 4.',   1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (5, NULL, '5', 'Projetor',    'Para projetor multimídia, tecle 5.',    1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (6, NULL, '6', 'Ramal',       'Para ramal telefônico, tecle 6.',       1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000');

INSERT INTO services (id, parent_id, dtmf_key, label, prompt, active, created_at, updated_at) VALUES
  (101, 1, '1', 'Atualização do portal',              'Para atualização do portal, tecle 1.',                1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (102, 1, '2', 'Problemas diversos',                 'Para problemas diversos, tecle 2.',                   1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (201, 2, '1', 'Formatação',                         'Para formatação do computador, tecle 1.',             1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (202, 2, '2', 'Não liga',                           'Se o computador não liga, tecle 2.',                  1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (203, 2, '3', 'Sem conexão com a impressora',       'Para computador sem conexão com a impressora, tecle 3.', 1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (204, 2, '4', 'Problema de conexão com a Internet', 'Para problema de conexão com a internet, tecle 4.',   1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (205, 2, '5', 'Instalação de software',             'Para instalação de software, tecle 5.',               1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (206, 2, '6', 'Problemas diversos',                 'Para problemas diversos, tecle 6.',                   1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (301, 3, '1', 'Instalar',                           'Para instalar uma impressora, tecle 1.',              1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (302, 3, '2', 'Configurar',                         'Para configurar uma impressora, tecle 2.',            1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (303, 3, '3', 'Troca de suprimentos',               'Para troca de suprimentos, tecle 3.',                 1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (401, 4, '1', 'Privilégio IPM',                     'Para privilégio no sistema IPM, tecle 1.',            1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (402, 4, '2', 'Wi-Fi',                              'Para liberar acesso ao wi-fi, tecle 2.',              1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (403, 4, '3', 'Sites',                              'Para liberar acesso a sites, tecle 3.',               1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (404, 4, '4', 'Pastas do servidor',                 'Para liberar acesso a pastas do servidor, tecle 4.',  1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (501, 5, '1', 'Reserva',                            'Para reservar um projetor, tecle 1.',                 1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000'),
  (601, 6, '1', 'Problema com ramal',                 'Para problema com ramal, tecle 1.',                   1, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000');

INSERT INTO business_hours (weekday, opens, closes) VALUES
  (1, '08:00', '12:00'), (1, '13:00', '17:00'),
  (2, '08:00', '12:00'), (2, '13:00', '17:00'),
  (3, '08:00', '12:00'), (3, '13:00', '17:00'),
  (4, '08:00', '12:00'), (4, '13:00', '17:00'),
  (5, '08:00', '12:00'), (5, '13:00', '17:00');
