BEGIN TRANSACTION;
CREATE TABLE consent_log (
        id INTEGER PRIMARY KEY,
        consent_id TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        site TEXT NOT NULL,
        revision TEXT NOT NULL,
        banner_hash TEXT NOT NULL,
        language TEXT NOT NULL,
        action TEXT NOT NULL,
        choices TEXT NOT NULL,
        gpc INTEGER NOT NULL,
        channel TEXT NOT NULL
    );
INSERT INTO "consent_log" VALUES(1,'Qcgl5wXbZOGcDDJA','2026-12-01T22:51:48+00:00','clinique','419f953b9a9c6a14','455ae861f30dbf1e6d7155accd1553bdc0ab24f71e61bfce5564b6356294e608','fr','reject','{"audience_measurement":false}',0,'script');
INSERT INTO "consent_log" VALUES(2,'mOFqaHKabDRDJ--D','2026-12-01T22:51:48+00:00','ihu','e19fcb52efe530f0','163ec02bc9d7abeefc901734db34edc6b35cb85acfe0f7d20add692eb7842fee','fr','reject','{}',0,'script');
CREATE TABLE rate_limit_hits (
        counter TEXT NOT NULL,      -- which limit, e.g. rights.address
        key BLOB NOT NULL,          -- keyed hash of the value counted (an address): never the value
        expires_at REAL NOT NULL    -- Unix time when this hit stops counting
    );
INSERT INTO "rate_limit_hits" VALUES('consent.address',X'888D61B4A3CA391E31248157B30644B1',1796166108.57353);
INSERT INTO "rate_limit_hits" VALUES('consent.address',X'888D61B4A3CA391E31248157B30644B1',1796166108.60457);
CREATE INDEX consent_log_site_time ON consent_log (site, recorded_at);
CREATE INDEX consent_log_time ON consent_log (recorded_at);
CREATE TRIGGER consent_log_append_only BEFORE UPDATE ON consent_log
    BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END;
CREATE INDEX rate_limit_hits_key ON rate_limit_hits (counter, key, expires_at);
CREATE INDEX rate_limit_hits_expiry ON rate_limit_hits (expires_at);
COMMIT;
