package net.invertingproxy.proxy.registry;

import com.google.gson.annotations.SerializedName;

/** How a backend's end users prove who they are. */
public enum AccessMode {
    /** Anyone who can reach the proxy (still subject to the address allow-list). */
    @SerializedName("public")
    PUBLIC,
    /** An API key the proxy issued, in a header. */
    @SerializedName("api_key")
    API_KEY,
    /** HTTP Basic with a user and a password the proxy issued. */
    @SerializedName("basic")
    BASIC,
    /** The AWS ALB's OIDC authentication, proved by its signed {@code x-amzn-oidc-data} header. */
    @SerializedName("alb_oidc")
    ALB_OIDC
}
