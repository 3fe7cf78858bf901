/* chain.c — SHA-256 for the hash chain, through OpenSSL's EVP interface. */
#include <openssl/evp.h>

#include "store/chain.h"

struct fq_chain {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
};

fq_chain *fq_chain_new(void)
{
    fq_chain *c = OPENSSL_zalloc(sizeof *c);
    if (!c)
        return NULL;
    /* Fetch once: the implicit fetch behind EVP_sha256() costs a lookup on
     * every EVP_DigestInit_ex. */
    c->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    c->ctx = EVP_MD_CTX_new();
    if (!c->md || !c->ctx) {
        fq_chain_free(c);
        return NULL;
    }
    return c;
}

void fq_chain_free(fq_chain *c)
{
    if (!c)
        return;
    EVP_MD_CTX_free(c->ctx);
    EVP_MD_free(c->md);
    OPENSSL_free(c);
}

fq_status fq_chain_hash(fq_chain *c, const char *prev, const char *data, size_t len,
                        char out[FQ_HASH_HEX])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_DigestInit_ex(c->ctx, c->md, NULL) || !EVP_DigestUpdate(c->ctx, prev, 64) ||
        (len && !EVP_DigestUpdate(c->ctx, data, len)) || !EVP_DigestFinal_ex(c->ctx, digest, &n) ||
        n != 32)
        return FQ_EIO;
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
    return FQ_OK;
}
