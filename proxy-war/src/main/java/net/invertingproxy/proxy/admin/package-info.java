/**
 * The admin REST API {@code /api/backends}: create, list, read, change and delete backends and
 * roll their agent credentials, as JSON (Gson), behind the {@code admin-token} credential.
 */
package net.invertingproxy.proxy.admin;
