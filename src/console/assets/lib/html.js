// Preact with htm: tagged templates instead of JSX, so the browser runs these files as they are.
import htm from 'htm';
import { h, render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';

export const html = htm.bind(h);
export { h, render, useCallback, useEffect, useMemo, useRef, useState };
