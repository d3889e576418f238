#ifndef TRUSTMEND_COPENSSL_SHIM_H
#define TRUSTMEND_COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

/* OpenSSL spells these as macros; Swift imports only functions. */

static inline long trustmend_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline int trustmend_sk_X509_num(const STACK_OF(X509) *sk) {
    return sk_X509_num(sk);
}

static inline X509 *trustmend_sk_X509_value(const STACK_OF(X509) *sk, int i) {
    return sk_X509_value(sk, i);
}

static inline STACK_OF(X509) *trustmend_sk_X509_new_null(void) {
    return sk_X509_new_null();
}

static inline int trustmend_sk_X509_push(STACK_OF(X509) *sk, X509 *x) {
    return sk_X509_push(sk, x);
}

static inline void trustmend_sk_X509_pop_free(STACK_OF(X509) *sk) {
    sk_X509_pop_free(sk, X509_free);
}

static inline void trustmend_sk_X509_free(STACK_OF(X509) *sk) {
    sk_X509_free(sk);
}

static inline long trustmend_SSL_CTX_set_max_cert_list(SSL_CTX *ctx, long bytes) {
    return SSL_CTX_set_max_cert_list(ctx, bytes);
}

static inline unsigned long trustmend_X509_V_FLAG_PARTIAL_CHAIN(void) {
    return X509_V_FLAG_PARTIAL_CHAIN;
}

/* A server that closes without close_notify ends a Connection: close response, as Go's client takes it. */
static inline void trustmend_SSL_CTX_ignore_unexpected_eof(SSL_CTX *ctx) {
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
}

#endif
