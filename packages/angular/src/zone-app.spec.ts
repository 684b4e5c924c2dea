// An app with zone.js: this file loads it for itself (the other specs run zoneless), to prove the
// adapter works with zone-based change detection too.
import 'zone.js';
import { ApplicationInitStatus, ChangeDetectionStrategy, Component, inject, provideZoneChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideLatchkeyTesting } from '../testing/src';
import { Auth } from './auth';

@Component({
  selector: 'lk-zone-navbar',
  // Zone-driven change detection: the click, not a signal, schedules the check.
  // eslint-disable-next-line @angular-eslint/prefer-on-push-component-change-detection
  changeDetection: ChangeDetectionStrategy.Default,
  template: `@if (auth.authenticated()) {
      <button (click)="auth.logout()">Log Out</button>
    } @else {
      <button (click)="auth.login()">Log In</button>
    }`,
})
class ZoneNavbar {
  protected readonly auth = inject(Auth);
}

describe('a zone.js app', () => {
  it('renders Log In / Log Out from the signals and follows a click to the new state', async () => {
    expect(typeof (globalThis as { Zone?: unknown }).Zone).toBe('function');
    TestBed.configureTestingModule({ providers: [provideZoneChangeDetection(), provideLatchkeyTesting({ user: null })] });
    await TestBed.inject(ApplicationInitStatus).donePromise;
    const fixture = TestBed.createComponent(ZoneNavbar);
    fixture.autoDetectChanges();
    await fixture.whenStable();
    expect(fixture.nativeElement.textContent.trim()).toBe('Log In');
    (fixture.nativeElement.querySelector('button') as HTMLButtonElement).click();
    await fixture.whenStable();
    expect(fixture.nativeElement.textContent.trim()).toBe('Log Out');
  });
});
