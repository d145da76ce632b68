BEGIN TRANSACTION;
CREATE TABLE rate_limit_hits (
        counter TEXT NOT NULL,      -- which limit, e.g. rights.address
        key BLOB NOT NULL,          -- keyed hash of the value counted (an address): never the value
        expires_at REAL NOT NULL    -- Unix time when this hit stops counting
    );
INSERT INTO "rate_limit_hits" VALUES('rights.address',X'7EDA3D4AD1C2907B7A7FF8A6FB56F58C',1.79616610852872467044e+09);
INSERT INTO "rate_limit_hits" VALUES('rights.email',X'8ECAB42A5862BEFEA57452EDE89C40B2',1.79625190852872467037e+09);
INSERT INTO "rate_limit_hits" VALUES('rights.address',X'7EDA3D4AD1C2907B7A7FF8A6FB56F58C',1.79616610866365408903e+09);
INSERT INTO "rate_limit_hits" VALUES('rights.email',X'1E0C45C48B956A6A345742610C9833DD',1.79625190866365408892e+09);
CREATE TABLE rights_outbox (
        id INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        reference TEXT NOT NULL,
        kind TEXT NOT NULL,
        recipient TEXT NOT NULL,
        message BLOB,                 -- cleared once sent: the request row keeps the facts
        draft TEXT,                   -- JSON: what composing the message needs beyond the request row
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        leased_until TEXT,
        last_error TEXT,              -- an error class and SMTP code, never the server's text
        sent_at TEXT,
        failed_at TEXT
    );
INSERT INTO "rights_outbox" VALUES(1,'<VYT2-JA89-GSJK.dpo@localhost>','VYT2-JA89-GSJK','dpo','dpo@clinique.example',NULL,NULL,'2026-12-01T22:51:48.555021+00:00',1,'2026-12-01T22:51:48.555021+00:00',NULL,NULL,'2026-12-01T22:51:48.609790+00:00',NULL);
INSERT INTO "rights_outbox" VALUES(2,'<VYT2-JA89-GSJK.acknowledgment@localhost>','VYT2-JA89-GSJK','acknowledgment','ana@example.fr',NULL,'{"confirm_url": "https://testserver/rights/clinique/fr/confirm/IklTVXRIZnBTbzR2bl9uYzdaV0wxRU83eW14SkpiWURjIg.aw9PhA.ELH9OyCteXd1jgTx7gmpGS9B9kQ"}','2026-12-01T22:51:48.555021+00:00',0,'2026-12-01T22:51:48.555021+00:00',NULL,NULL,NULL,NULL);
INSERT INTO "rights_outbox" VALUES(3,'<E3XY-HV69-J89X.dpo@localhost>','E3XY-HV69-J89X','dpo','dpo@clinique.example',NULL,'{}','2026-12-01T22:51:48.664469+00:00',0,'2026-12-01T22:51:48.664469+00:00',NULL,NULL,NULL,NULL);
INSERT INTO "rights_outbox" VALUES(4,'<E3XY-HV69-J89X.acknowledgment@localhost>','E3XY-HV69-J89X','acknowledgment','bob@example.fr',NULL,'{"confirm_url": "https://testserver/rights/clinique/fr/confirm/IkxaLTQ4SnVxUVg2M3JoRC1kNGpEM01zenRrTDZMdE5TIg.aw9PhA.dFCXNGKC3DLghD_vSddfYKjXHjc"}','2026-12-01T22:51:48.664469+00:00',0,'2026-12-01T22:51:48.664469+00:00',NULL,NULL,NULL,NULL);
CREATE TABLE rights_requests (
        reference TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        language TEXT NOT NULL,
        rights TEXT NOT NULL,
        relationship TEXT NOT NULL,
        name TEXT,                    -- personal data: NULL once purged
        email TEXT,
        details TEXT,
        file_reference TEXT,
        fingerprint TEXT,             -- keyed hash of the content, to spot a double submission
        received_at TEXT NOT NULL,
        due_on TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        confirm_hash TEXT,            -- sha256 of the nonce in the emailed confirmation link
        receipt_hash TEXT,            -- sha256 of the cookie that shows the confirmation page
        email_confirmed_at TEXT,
        extended_at TEXT,
        extension_reason TEXT,
        closed_at TEXT,
        purged_at TEXT
    );
INSERT INTO "rights_requests" VALUES('VYT2-JA89-GSJK','clinique','fr','access','patients','Ana Dupont','ana@example.fr','Je souhaite une copie de mon dossier d''imagerie de 2024.','P-1234','b5459729062b561a6d93bcae67f6677cbeabece4b494763795ca754bc480f5ab','2026-12-01T22:51:48.555021+00:00','2027-01-01','open','be8e98d408537021d97cb5d6d0c4e661460d163ae9257f3fb220069a40c3a0f0','c69e7c06685f67ee0c46527ca78862130026a2c0074fe08b8029d318cfbcc146',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "rights_requests" VALUES('E3XY-HV69-J89X','clinique','fr','access','patients','Bob Martin','bob@example.fr','Je souhaite une copie de mon dossier d''imagerie de 2024.','P-1234','079bba9f059304e912a37380e5549979a02a3b759a628371436250bd06c50c42','2026-12-01T22:51:48.664469+00:00','2027-01-01','open','7be4a19a969fe0ab775d6640007aa91c56c444e8ba3240584b896a56c9c7a531','7da2c2be99781f49061823b43045ae8822d31d15a60fd7aac62d2140aeec95f8',NULL,NULL,NULL,NULL,NULL);
CREATE INDEX rate_limit_hits_key ON rate_limit_hits (counter, key, expires_at);
CREATE INDEX rate_limit_hits_expiry ON rate_limit_hits (expires_at);
CREATE INDEX rights_outbox_due ON rights_outbox (sent_at, failed_at, next_attempt_at);
CREATE INDEX rights_outbox_reference ON rights_outbox (reference);
CREATE INDEX rights_requests_fingerprint ON rights_requests (fingerprint, received_at);
CREATE INDEX rights_requests_confirm ON rights_requests (confirm_hash);
CREATE INDEX rights_requests_receipt ON rights_requests (receipt_hash);
COMMIT;
