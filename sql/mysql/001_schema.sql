-- ura-chamados schema, MySQL 8 / MariaDB 10.11 dialect. Instants: DATETIME(3) in UTC.

CREATE TABLE IF NOT EXISTS users (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code          VARCHAR(12)  NOT NULL,
  name          VARCHAR(200) NOT NULL,
  phone         VARCHAR(20)  NULL,
  department    VARCHAR(200) NULL,
  active        TINYINT(1)   NOT NULL DEFAULT 1,
  otp_failures  INT          NOT NULL DEFAULT 0,
  created_at    DATETIME(3)  NOT NULL,
  updated_at    DATETIME(3)  NOT NULL,
  UNIQUE KEY users_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS user_phones (
  id       BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id  BIGINT      NOT NULL,
  number   VARCHAR(20) NOT NULL,
  UNIQUE KEY user_phones_user_number (user_id, number),
  KEY user_phones_number (number),
  CONSTRAINT user_phones_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS services (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  parent_id   BIGINT       NULL,
  dtmf_key    CHAR(1)      NOT NULL,
  label       VARCHAR(200) NOT NULL,
  prompt      VARCHAR(500) NOT NULL,
  active      TINYINT(1)   NOT NULL DEFAULT 1,
  created_at  DATETIME(3)  NOT NULL,
  updated_at  DATETIME(3)  NOT NULL,
  KEY services_parent (parent_id),
  CONSTRAINT services_parent_fk FOREIGN KEY (parent_id) REFERENCES services (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS protocol_counters (
  site        VARCHAR(3) NOT NULL,
  year        INT        NOT NULL,
  last_value  BIGINT     NOT NULL,
  PRIMARY KEY (site, year)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS tickets (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  protocol      VARCHAR(16)  NOT NULL,
  requester_id  BIGINT       NOT NULL,
  service_id    BIGINT       NOT NULL,
  description   TEXT         NULL,
  status        ENUM('open', 'in_progress', 'waiting', 'resolved', 'closed') NOT NULL,
  source        ENUM('phone', 'web', 'api') NOT NULL,
  call_id       VARCHAR(64)  NULL,
  created_at    DATETIME(3)  NOT NULL,
  updated_at    DATETIME(3)  NOT NULL,
  UNIQUE KEY tickets_protocol (protocol),
  UNIQUE KEY tickets_call (call_id),
  KEY tickets_requester (requester_id),
  KEY tickets_status (status, updated_at),
  CONSTRAINT tickets_requester_fk FOREIGN KEY (requester_id) REFERENCES users (id),
  CONSTRAINT tickets_service_fk FOREIGN KEY (service_id) REFERENCES services (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS ticket_history (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id    BIGINT       NOT NULL,
  from_status  VARCHAR(16)  NULL,
  to_status    VARCHAR(16)  NOT NULL,
  note         TEXT         NULL,
  actor        VARCHAR(100) NOT NULL,
  at           DATETIME(3)  NOT NULL,
  KEY ticket_history_ticket (ticket_id, id),
  CONSTRAINT ticket_history_ticket_fk FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS otp_codes (
  id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id      BIGINT      NOT NULL,
  code_hash    CHAR(64)    NOT NULL,
  phone_hash   CHAR(64)    NOT NULL,
  caller_hash  CHAR(64)    NULL,
  call_id      VARCHAR(64) NULL,
  state        ENUM('active', 'used', 'void', 'failed') NOT NULL,
  attempts     INT         NOT NULL DEFAULT 0,
  created_at   DATETIME(3) NOT NULL,
  expires_at   DATETIME(3) NOT NULL,
  used_at      DATETIME(3) NULL,
  KEY otp_codes_user (user_id, created_at),
  KEY otp_codes_phone (phone_hash, created_at),
  KEY otp_codes_caller (caller_hash, created_at),
  CONSTRAINT otp_codes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS calls (
  id               BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  call_id          VARCHAR(64) NOT NULL,
  caller_number    VARCHAR(64) NULL,
  user_id          BIGINT      NULL,
  outcome          ENUM('ticket', 'status', 'transfer', 'abandoned', 'error') NOT NULL,
  step             VARCHAR(64) NULL,
  ticket_protocol  VARCHAR(16) NULL,
  started_at       DATETIME(3) NOT NULL,
  duration_ms      BIGINT      NOT NULL,
  created_at       DATETIME(3) NOT NULL,
  updated_at       DATETIME(3) NOT NULL,
  UNIQUE KEY calls_call (call_id),
  KEY calls_started (started_at),
  CONSTRAINT calls_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS business_hours (
  id       BIGINT  NOT NULL AUTO_INCREMENT PRIMARY KEY,
  weekday  TINYINT NOT NULL,
  opens    CHAR(5) NOT NULL,
  closes   CHAR(5) NOT NULL,
  CONSTRAINT business_hours_weekday CHECK (weekday BETWEEN 0 AND 6)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS holidays (
  day   CHAR(10)     NOT NULL PRIMARY KEY,
  name  VARCHAR(200) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS audit_log (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at         DATETIME(3)  NOT NULL,
  client     VARCHAR(100) NOT NULL,
  address    VARCHAR(64)  NULL,
  action     VARCHAR(64)  NOT NULL,
  entity     VARCHAR(64)  NOT NULL,
  entity_id  VARCHAR(64)  NULL,
  details    TEXT         NULL,
  KEY audit_log_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
