/* What the profile tests share (test_profile.c, test_rules.c): a profile
 * loaded from text or as shipped, a refusal's message, a secret set, a
 * header of a built request. Include after cmocka.h. */
#ifndef SALVO_TEST_PROFILE_H
#define SALVO_TEST_PROFILE_H

static inline salvo_profile_t *load(const char *json)
{
    salvo_profile_t *p = NULL;
    char err[320];
    int rc = salvo_profile_parse(&p, json, strlen(json), err, sizeof err);
    if (rc != 0)
        fail_msg("profile refused: %s", err);
    return p;
}

/* A bundled profile's text, examples/brokers/NAME.json, as shipped
 * (until the next call); its length in *len when len is not NULL. */
static inline const char *read_bundled(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/brokers/%s.json", SALVO_EXAMPLES_DIR, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    if (len)
        *len = n;
    return text;
}

/* A bundled profile, as shipped. */
static inline salvo_profile_t *load_bundled(const char *name) { return load(read_bundled(name, NULL)); }

static inline void assert_refused(const char *json, const char *words)
{
    salvo_profile_t *p = NULL;
    char err[320] = "";
    assert_int_equal(salvo_profile_parse(&p, json, strlen(json), err, sizeof err), -EINVAL);
    assert_null(p);
    if (strstr(err, words) == NULL)
        fail_msg("message \"%s\" does not say \"%s\"", err, words);
}

static inline void set_secret(salvo_profile_t *p, int slot, const char *v)
{
    char err[256];
    if (salvo_profile_set_secret(p, slot, v, strlen(v), err, sizeof err) != 0)
        fail_msg("secret refused: %s", err);
}

static inline const char *header(const salvo_wire_t *w, const char *name)
{
    for (size_t i = 0; i < w->nh; i++) {
        const char *h = salvo_wire_header(w, i);
        if (strncmp(h, name, strlen(name)) == 0 && h[strlen(name)] == ':')
            return h + strlen(name) + 2;
    }
    return NULL;
}

#endif
