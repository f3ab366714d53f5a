/*
 * eds-agent-client.js: what a portal page needs to drive `eds agent`'s issuance module
 * (kz.eds.toolkit.issuance) over the NCALayer WebSocket protocol. No dependencies; in a browser it
 * uses the page's WebSocket, in Node 20 set globalThis.WebSocket = require('ws') first.
 *
 *   const agent = new EdsAgent();                 // wss://127.0.0.1:13579, the page's <html lang>
 *   // or new EdsAgent(url, { locale: 'kk' }): the language of the agent's windows (kk, ru, en)
 *   await agent.connect();                        // rejects when no agent runs: show install help
 *   await agent.chooseStore();                    // or chooseStore('/home/me/eds-keys')
 *   const { authCsr, signCsr } = await agent.makeRequests({ enrolmentId, iin, surname, givenName, patronymic });
 *   // ...send the CSRs to the server, get the certificates back...
 *   await agent.installCertificates({ enrolmentId, authCertificate, signCertificate, chain });
 *   // NCALayer's commonUtils signature (e.g. a renewal challenge with the current AUTH key):
 *   const cms = await agent.createCAdESFromBase64('AUTHENTICATION', dataBase64, false);  // base64 CMS
 *   // signing a document as a portal does (kz.gov.pki.knca.basics sign, the SIGN key): a CMS in PEM
 *   const cms = await agent.signWithSignKey(documentBase64, { iin: '850314312017' });
 *
 * Errors reject with EdsAgentError: .code is the agent's code (WEAK_PASSWORD, ENROLMENT_MISMATCH,
 * DISK_FULL, ...), .cancelled is true when the citizen declined in the agent's window.
 */
(function (root) {
  'use strict';

  var MODULE = 'kz.eds.toolkit.issuance';
  var COMMON_UTILS = 'kz.gov.pki.knca.commonUtils';
  var CANCELLED = 'action.canceled';  // commonUtils' message for a dialog the citizen closed

  function EdsAgentError(code, message, cancelled) {
    var error = new Error(message);
    error.name = 'EdsAgentError';
    error.code = code;
    error.cancelled = Boolean(cancelled);
    return error;
  }

  function EdsAgent(url, options) {
    var page = root.document && root.document.documentElement;
    this.url = url || 'wss://127.0.0.1:13579';
    this.locale = (options && options.locale) || (page && page.lang) || null;
    this.socket = null;
    this.waiting = [];
  }

  EdsAgent.prototype.connect = function (timeoutMs) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var socket = new root.WebSocket(self.url);
      var greeted = false;
      var timer = setTimeout(function () {
        socket.close();
        reject(EdsAgentError('AGENT_UNREACHABLE', 'eds agent did not answer at ' + self.url));
      }, timeoutMs || 3000);
      socket.onerror = function () {
        if (!greeted) {
          clearTimeout(timer);
          reject(EdsAgentError('AGENT_UNREACHABLE', 'eds agent is not running at ' + self.url));
        }
      };
      socket.onclose = function () {
        var pending = self.waiting.splice(0);
        pending.forEach(function (entry) {
          entry.reject(EdsAgentError('AGENT_CLOSED', 'eds agent closed the connection'));
        });
      };
      socket.onmessage = function (event) {
        var reply = JSON.parse(event.data);
        if (!greeted) {
          greeted = true;
          clearTimeout(timer);
          self.socket = socket;
          if (reply.result && reply.result.version) {
            resolve(reply.result.version);
          } else {
            reject(EdsAgentError('NOT_AN_AGENT', 'the program at ' + self.url + ' is not an NCALayer agent'));
          }
          return;
        }
        var entry = self.waiting.shift();
        if (entry) {
          entry.settle(reply);
        }
      };
    });
  };

  // One request, one reply, in order (the agent answers a connection's requests one by one).
  // ``settle(reply, resolve, reject)`` reads the reply in its module's envelope.
  EdsAgent.prototype.request = function (message, settle) {
    var self = this;
    if (!self.socket) {
      return Promise.reject(EdsAgentError('NOT_CONNECTED', 'call connect() first'));
    }
    return new Promise(function (resolve, reject) {
      self.waiting.push({
        reject: reject,
        settle: function (reply) { settle(reply, resolve, reject); },
      });
      self.socket.send(JSON.stringify(message));
    });
  };

  // kz.eds.toolkit.issuance (basics envelope): {status: true, body: {result}}; {} when cancelled.
  EdsAgent.prototype.call = function (method, args) {
    var sent = Object.assign({}, args || {});
    if (this.locale && sent.locale === undefined) {
      sent.locale = this.locale; // the agent asks the citizen in the page's language
    }
    return this.request({ module: MODULE, method: method, args: sent }, function (reply, resolve, reject) {
      if (reply.status === true && reply.body && Object.prototype.hasOwnProperty.call(reply.body, 'result')) {
        resolve(reply.body.result);
      } else if (reply.status === true) {
        reject(EdsAgentError('CANCELLED', 'The citizen cancelled in eds agent.', true));
      } else {
        reject(EdsAgentError(reply.code || reply.errorCode || 'ERROR', reply.message || 'eds agent refused'));
      }
    });
  };

  // kz.gov.pki.knca.commonUtils (positional args): {code: "200", responseObject}; {code: "500", message}.
  EdsAgent.prototype.callCommon = function (method, args) {
    return this.request({ module: COMMON_UTILS, method: method, args: args }, function (reply, resolve, reject) {
      if (reply.code === '200') {
        resolve(reply.responseObject);
      } else if (reply.message === CANCELLED) {
        reject(EdsAgentError('CANCELLED', 'The citizen cancelled in eds agent.', true));
      } else {
        reject(EdsAgentError(reply.errorCode || 'ERROR', reply.message || 'eds agent refused'));
      }
    });
  };

  // A CMS (base64) over the bytes of ``dataBase64``, made with a PKCS12 key of ``keyType``
  // (AUTHENTICATION or SIGNATURE); ``attached``: the data inside the CMS. The agent asks in the
  // page's language (changeLocale first: commonUtils' positional args carry no locale).
  EdsAgent.prototype.createCAdESFromBase64 = function (keyType, dataBase64, attached) {
    var self = this;
    var language = self.locale ? self.callCommon('changeLocale', [self.locale]) : Promise.resolve();
    return language.then(function () {
      return self.callCommon('createCAdESFromBase64', ['PKCS12', keyType, dataBase64, Boolean(attached)]);
    });
  };

  // A detached CMS (base64) with the AUTH key over ``dataBase64``: a challenge sign-in or a renewal.
  EdsAgent.prototype.signWithAuthKey = function (dataBase64) {
    return this.createCAdESFromBase64('AUTHENTICATION', dataBase64, false);
  };

  // NCALayer's kz.gov.pki.knca.basics ``sign`` with the SIGN key (extendedKeyUsage emailProtection), as a
  // portal signs a document: a CMS (PEM) over the bytes of ``dataBase64``. ``options.iin``: only that
  // person's key is offered; ``options.attached`` (default true): the document inside the CMS.
  EdsAgent.prototype.signWithSignKey = function (dataBase64, options) {
    var wanted = options || {};
    var signerParams = { extKeyUsageOids: ['1.3.6.1.5.5.7.3.4'] };
    if (wanted.iin) {
      signerParams.iin = wanted.iin;
    }
    var args = {
      format: 'cms',
      data: dataBase64,
      signingParams: { decode: true, encapsulate: wanted.attached !== false, digested: false },
      signerParams: signerParams,
    };
    if (this.locale) {
      args.locale = this.locale; // the agent asks the citizen in the page's language
    }
    var message = { module: 'kz.gov.pki.knca.basics', method: 'sign', args: args };
    return this.request(message, function (reply, resolve, reject) {
      if (reply.status === true && reply.body && typeof reply.body.result === 'string') {
        resolve(reply.body.result);
      } else if (reply.status === true) {
        reject(EdsAgentError('CANCELLED', 'The citizen cancelled in eds agent.', true));
      } else {
        reject(EdsAgentError(reply.code || 'ERROR', reply.message || 'eds agent refused'));
      }
    });
  };

  EdsAgent.prototype.version = function () { return this.call('version'); };
  EdsAgent.prototype.chooseStore = function (path) { return this.call('chooseStore', path ? { path: path } : {}); };
  EdsAgent.prototype.makeRequests = function (person) { return this.call('makeRequests', person); };
  EdsAgent.prototype.installCertificates = function (issued) { return this.call('installCertificates', issued); };
  EdsAgent.prototype.listKeys = function () { return this.call('listKeys'); };
  EdsAgent.prototype.close = function () {
    if (this.socket) {
      this.socket.close();
      this.socket = null;
    }
  };

  root.EdsAgent = EdsAgent;
  if (typeof module !== 'undefined' && module.exports) {
    module.exports = { EdsAgent: EdsAgent };
  }
})(typeof globalThis !== 'undefined' ? globalThis : this);
