/**
 * The config, as one import path: its pieces live in ./config/ (checks, profile, profile-checks, file,
 * settings, feature-settings). New code imports the piece it needs.
 */
export * from './config/checks.js'
export * from './config/profile.js'
export * from './config/profile-checks.js'
export * from './config/file.js'
export * from './config/settings.js'
export * from './config/feature-settings.js'
